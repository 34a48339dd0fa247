using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace DeepGen.Fusion;

/// <summary>
/// A parsed shape annotation, the text of <c>[Shape("...")]</c>: a comma-separated list of
/// <see cref="Dim"/>s such as <c>"B, 1, 28, 28"</c>, <c>"B, T, 4*C"</c> or <c>"N, *"</c>.
/// An empty (or all-blank) text is a scalar, rank 0.
/// </summary>
/// <remarks>
/// Grammar (blanks allowed between tokens):
/// <code>
/// shape  := "" | dim ("," dim)*
/// dim    := "*" | term (("+" | "-") term)*
/// term   := atom ("*" atom)*
/// atom   := name | number            name := letter_or_underscore (letter | digit | "_")*
/// </code>
/// A dimension may use at most one name, multiplied by a positive whole number; constants must not be
/// negative; <c>*</c> (any number of further dimensions) may appear once. Equality is by value on the
/// canonical dimensions, so <c>"B,4*C"</c> equals <c>"B, C*4"</c>.
/// </remarks>
public sealed class ShapeSpec : IEquatable<ShapeSpec>
{
    private ShapeSpec(EquatableArray<Dim> dims)
    {
        Dims = dims;
    }

    /// <summary>The dimensions, in order.</summary>
    public EquatableArray<Dim> Dims { get; }

    /// <summary>True when one of the dimensions is <c>*</c>, so the rank is not fixed.</summary>
    public bool HasRest => Dims.Any(d => d.Kind == DimKind.Rest);

    /// <summary>The names used by the dimensions, each once, in order of first use.</summary>
    public IReadOnlyList<string> Symbols =>
        Dims.Where(d => d.Symbol is not null).Select(d => d.Symbol!).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Builds a spec from dimensions.</summary>
    /// <exception cref="ArgumentException">More than one dimension is <see cref="Dim.Rest"/>.</exception>
    public static ShapeSpec Of(params Dim[] dims)
    {
        if (dims.Count(d => d.Kind == DimKind.Rest) > 1)
        {
            throw new ArgumentException("'*' may appear only once in a shape.", nameof(dims));
        }

        return new ShapeSpec(dims.ToEquatableArray());
    }

    /// <summary>Parses a shape annotation.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ShapeSpecException">The text is not a valid shape; <see cref="ShapeSpecException.Error"/> says where and why.</exception>
    public static ShapeSpec Parse(string text)
    {
        if (text is null)
        {
            throw new ArgumentNullException(nameof(text));
        }

        return TryParse(text, out ShapeSpec? spec, out ShapeSpecError? error) ? spec : throw new ShapeSpecException(error);
    }

    /// <summary>Parses a shape annotation without throwing.</summary>
    /// <param name="text">The annotation text, e.g. <c>"B, 1, 28, 28"</c>.</param>
    /// <param name="spec">The parsed spec on success.</param>
    /// <param name="error">On failure, what is wrong and at which column.</param>
    /// <returns>True on success.</returns>
    public static bool TryParse(
        string? text,
        [NotNullWhen(true)] out ShapeSpec? spec,
        [NotNullWhen(false)] out ShapeSpecError? error)
    {
        spec = null;
        if (text is null)
        {
            error = new ShapeSpecError("", 1, 0, "the shape annotation is null; write a shape such as \"B, 1, 28, 28\"");
            return false;
        }

        error = Parser.Parse(text, out List<Dim>? dims);
        if (error is not null)
        {
            return false;
        }

        spec = new ShapeSpec(dims!.ToEquatableArray());
        return true;
    }

    /// <summary>True when <paramref name="text"/> is a name: a letter or '_', then letters, digits or '_'.</summary>
    public static bool IsName(string? text)
    {
        if (string.IsNullOrEmpty(text) || !IsNameStart(text![0]))
        {
            return false;
        }

        for (int i = 1; i < text.Length; i++)
        {
            if (!IsNamePart(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNameStart(char c) => c == '_' || char.IsLetter(c);

    private static bool IsNamePart(char c) => c == '_' || char.IsLetterOrDigit(c);

    /// <inheritdoc />
    public bool Equals(ShapeSpec? other) => other is not null && Dims.Equals(other.Dims);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ShapeSpec);

    /// <inheritdoc />
    public override int GetHashCode() => Dims.GetHashCode();

    /// <summary>The canonical text, e.g. <c>B, 1, 28, 28</c>; it parses back to an equal spec.</summary>
    public override string ToString() => string.Join(", ", Dims);

    private enum TokenKind
    {
        Name,
        Number,
        Star,
        Plus,
        Minus,
        Comma,
        End,
    }

    // classes, not structs: the generator's lists of them would otherwise be jitted anew in every compiler process
    private sealed class Token
    {
        public Token(TokenKind kind, int start, int length, long value = 0)
        {
            Kind = kind;
            Start = start;
            Length = length;
            Value = value;
        }

        public TokenKind Kind { get; }

        public int Start { get; }

        public int Length { get; }

        public long Value { get; }

        public int End => Start + Length;

        public bool IsAtom => Kind is TokenKind.Name or TokenKind.Number;
    }

    /// <summary>A product of atoms with a sign: (+|-) number* name?</summary>
    private sealed class Term
    {
        public long Sign;
        public long Coefficient;
        public string? Name;
    }

    private static class Parser
    {
        public static ShapeSpecError? Parse(string text, out List<Dim>? dims)
        {
            dims = null;
            ShapeSpecError? error = Tokenize(text, out List<Token> tokens);
            if (error is not null)
            {
                return error;
            }

            var result = new List<Dim>();
            if (tokens.Count == 1)
            {
                dims = result; // blank text: a scalar
                return null;
            }

            int restColumn = 0;
            int first = 0;
            for (int i = 0; i < tokens.Count; i++)
            {
                if (tokens[i].Kind is not (TokenKind.Comma or TokenKind.End))
                {
                    continue;
                }

                error = ParseDim(text, tokens, first, i, out Dim? dim);
                if (error is not null)
                {
                    return error;
                }

                if (dim!.Kind == DimKind.Rest)
                {
                    Token star = tokens[first];
                    if (restColumn != 0)
                    {
                        return Error(text, star.Start, 1, $"'*' at column {Column(star.Start)} is the second '*' (the first is at column {restColumn}); a shape may have only one");
                    }

                    restColumn = Column(star.Start);
                }

                result.Add(dim);
                first = i + 1;
            }

            dims = result;
            return null;
        }

        private static ShapeSpecError? Tokenize(string text, out List<Token> tokens)
        {
            tokens = [];
            int i = 0;
            while (i < text.Length)
            {
                char c = text[i];
                if (char.IsWhiteSpace(c))
                {
                    i++;
                }
                else if (c >= '0' && c <= '9')
                {
                    int start = i;
                    while (i < text.Length && text[i] >= '0' && text[i] <= '9')
                    {
                        i++;
                    }

                    string digits = text.Substring(start, i - start);
                    if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
                    {
                        return Error(text, start, i - start, $"number '{digits}' at column {Column(start)} is too large");
                    }

                    tokens.Add(new Token(TokenKind.Number, start, i - start, value));
                }
                else if (IsNameStart(c))
                {
                    int start = i;
                    while (i < text.Length && IsNamePart(text[i]))
                    {
                        i++;
                    }

                    tokens.Add(new Token(TokenKind.Name, start, i - start));
                }
                else
                {
                    TokenKind? kind = c switch
                    {
                        '*' => TokenKind.Star,
                        '+' => TokenKind.Plus,
                        '-' => TokenKind.Minus,
                        ',' => TokenKind.Comma,
                        _ => null,
                    };
                    if (kind is null)
                    {
                        return Error(text, i, 1, $"unexpected character '{c}' at column {Column(i)}; a dimension is a name, a whole number, a name scaled or offset by whole numbers (4*C, T+1), or '*'");
                    }

                    tokens.Add(new Token(kind.Value, i, 1));
                    i++;
                }
            }

            tokens.Add(new Token(TokenKind.End, text.Length, 0));
            return null;
        }

        /// <summary>Parses tokens[first..end) (end is the ',' or End token that closes the dimension).</summary>
        private static ShapeSpecError? ParseDim(string text, List<Token> tokens, int first, int end, out Dim? dim)
        {
            dim = null;
            if (first == end)
            {
                Token at = tokens[end];
                return Error(text, at.Start, at.Length, $"empty dimension at column {Column(at.Start)}; expected a name, a whole number or '*'");
            }

            if (tokens[first].Kind == TokenKind.Star && first + 1 == end)
            {
                dim = Dim.Rest;
                return null;
            }

            int dimStart = tokens[first].Start;
            string dimText = text.Substring(dimStart, tokens[end - 1].End - dimStart);
            string Where() => $"dimension '{dimText}' at column {Column(dimStart)}";

            // term (op term)*, where term := atom ('*' atom)*
            var terms = new List<Term>();
            var current = new Term { Sign = 1, Coefficient = 1 };
            bool expectAtom = true;
            for (int i = first; i < end; i++)
            {
                Token t = tokens[i];
                string tokenText = text.Substring(t.Start, t.Length);
                if (expectAtom)
                {
                    if (!t.IsAtom)
                    {
                        string what = i == first
                            ? $"expected a name or a whole number at column {Column(t.Start)}, found '{tokenText}'"
                            : $"expected a name or a whole number after '{text.Substring(tokens[i - 1].Start, 1)}' at column {Column(t.Start)}, found '{tokenText}'";
                        return Error(text, t.Start, t.Length, what);
                    }

                    if (t.Kind == TokenKind.Number)
                    {
                        if (!TryMultiply(current.Coefficient, t.Value, out current.Coefficient))
                        {
                            return Error(text, dimStart, dimText.Length, $"{Where()} is too large");
                        }
                    }
                    else if (current.Name is null)
                    {
                        current.Name = tokenText;
                    }
                    else if (current.Name == tokenText)
                    {
                        return Error(text, dimStart, dimText.Length, $"{Where()} multiplies '{tokenText}' by itself; a name may only be multiplied by whole numbers");
                    }
                    else
                    {
                        return TwoNames(current.Name, tokenText);
                    }

                    expectAtom = false;
                }
                else
                {
                    switch (t.Kind)
                    {
                        case TokenKind.Star:
                            break;
                        case TokenKind.Plus:
                        case TokenKind.Minus:
                            terms.Add(current);
                            current = new Term { Sign = t.Kind == TokenKind.Plus ? 1 : -1, Coefficient = 1 };
                            break;
                        default:
                            string previous = text.Substring(tokens[i - 1].Start, tokens[i - 1].Length);
                            return Error(text, t.Start, t.Length, $"expected ',' or an operator (*, +, -) between '{previous}' and '{tokenText}' at column {Column(t.Start)}");
                    }

                    expectAtom = true;
                }
            }

            if (expectAtom)
            {
                Token op = tokens[end - 1];
                return Error(text, op.Start, op.Length, $"expected a name or a whole number after '{text.Substring(op.Start, 1)}' at column {Column(op.Start)}");
            }

            terms.Add(current);

            // Sum the terms: scale * name + offset.
            string? name = null;
            long scale = 0;
            long offset = 0;
            foreach (Term term in terms)
            {
                long signed = term.Sign * term.Coefficient; // Coefficient >= 0, so this cannot overflow
                bool ok;
                if (term.Name is null)
                {
                    ok = TryAdd(offset, signed, out offset);
                }
                else
                {
                    if (name is not null && name != term.Name)
                    {
                        return TwoNames(name, term.Name);
                    }

                    name = term.Name;
                    ok = TryAdd(scale, signed, out scale);
                }

                if (!ok)
                {
                    return Error(text, dimStart, dimText.Length, $"{Where()} is too large");
                }
            }

            if (name is null)
            {
                if (offset < 0)
                {
                    return Error(text, dimStart, dimText.Length, $"{Where()} is negative ({offset.ToString(CultureInfo.InvariantCulture)})");
                }

                dim = Dim.Constant(offset);
                return null;
            }

            if (scale < 1)
            {
                return Error(text, dimStart, dimText.Length, $"{Where()} has {scale.ToString(CultureInfo.InvariantCulture)} times '{name}'; a name must appear a positive number of times");
            }

            if (offset == long.MinValue)
            {
                return Error(text, dimStart, dimText.Length, $"{Where()} is too large");
            }

            dim = Dim.Affine(name, scale, offset);
            return null;

            ShapeSpecError TwoNames(string a, string b) =>
                Error(text, dimStart, dimText.Length, $"{Where()} uses two names, '{a}' and '{b}'; a dimension may use only one name");
        }

        private static bool TryMultiply(long a, long b, out long result)
        {
            try
            {
                result = checked(a * b);
                return true;
            }
            catch (OverflowException)
            {
                result = 0;
                return false;
            }
        }

        private static bool TryAdd(long a, long b, out long result)
        {
            try
            {
                result = checked(a + b);
                return true;
            }
            catch (OverflowException)
            {
                result = 0;
                return false;
            }
        }

        private static int Column(int index) => index + 1;

        private static ShapeSpecError Error(string text, int index, int length, string message) =>
            new(text.Substring(index, length), Column(index), length, message);
    }
}
