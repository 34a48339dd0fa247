using System.Globalization;
using System.Text;

namespace DeepGen.Examples.FashionMnist;

/// <summary>Writes the training curves as an SVG picture: loss on the left panel, accuracy on the right.</summary>
public static class CurvePlot
{
    public static void WriteSvg(string path, string title, IReadOnlyList<double> trainLoss, IReadOnlyList<double> testAccuracy)
    {
        const int panelWidth = 420, height = 300, margin = 50;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{2 * panelWidth}\" height=\"{height + 40}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{panelWidth}\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n");
        Panel(svg, 0, 30, panelWidth, height, margin, "training loss (per epoch)", trainLoss, "#1f77b4");
        Panel(svg, panelWidth, 30, panelWidth, height, margin, "test accuracy (per epoch)", testAccuracy, "#d62728");
        svg.Append("</svg>\n");
        File.WriteAllText(path, svg.ToString());
    }

    static void Panel(StringBuilder svg, int left, int top, int width, int height, int margin, string label, IReadOnlyList<double> values, string color)
    {
        double min = values.Count == 0 ? 0 : values.Min(), max = values.Count == 0 ? 1 : values.Max();
        if (max - min < 1e-12) { min -= 0.5; max += 0.5; }
        double pad = (max - min) * 0.08;
        min -= pad;
        max += pad;
        int x0 = left + margin, y0 = top + height - margin, plotWidth = width - 2 * margin + 20, plotHeight = height - 2 * margin;
        string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        double X(int i) => x0 + (values.Count <= 1 ? plotWidth / 2.0 : i * (double)plotWidth / (values.Count - 1));
        double Y(double v) => y0 - (v - min) / (max - min) * plotHeight;

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x0 + plotWidth / 2}\" y=\"{top + 16}\" text-anchor=\"middle\">{label}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0 + plotWidth}\" y2=\"{y0}\" stroke=\"black\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y0 - plotHeight}\" stroke=\"black\"/>\n");
        for (int t = 0; t <= 4; t++)
        {
            double v = min + (max - min) * t / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x0 - 6}\" y=\"{F(Y(v) + 4)}\" text-anchor=\"end\">{v.ToString("0.###", CultureInfo.InvariantCulture)}</text>\n");
        }
        // at most about ten epoch labels, so long runs stay legible
        int every = Math.Max(1, (values.Count + 9) / 10);
        for (int i = 0; i < values.Count; i++)
            if (i == 0 || (i + 1) % every == 0)
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(i))}\" y=\"{y0 + 16}\" text-anchor=\"middle\">{i + 1}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x0 + plotWidth / 2}\" y=\"{y0 + 32}\" text-anchor=\"middle\">epoch</text>\n");
        if (values.Count > 0)
        {
            var points = string.Join(" ", values.Select((v, i) => $"{F(X(i))},{F(Y(v))}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{points}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>\n");
            for (int i = 0; i < values.Count; i++)
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(X(i))}\" cy=\"{F(Y(values[i]))}\" r=\"3\" fill=\"{color}\"/>\n");
        }
    }

    static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
