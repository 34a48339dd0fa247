namespace DeepGen.Tests;

/// <summary>ToString against what PyTorch 2.x prints (repr) for the same tensors, written out literally.</summary>
public class FormatTests
{
    static Tensor F32(params float[] v) => Tensor.FromArray(v);
    static Tensor F64(params double[] v) => Tensor.FromArray(v);

    [Fact]
    public void FixedPointMatrix()
    {
        Assert.Equal("tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])", Tensor.FromArray(new float[,] { { 1, 2.5f }, { 3, 4 } }).ToString());
        Assert.Equal("tensor([  1.0000, -10.5000, 100.2500])", F32(1, -10.5f, 100.25f).ToString());
    }

    [Fact]
    public void IntegerValuedFloats()
    {
        Assert.Equal("tensor([1., 2.])", F32(1, 2).ToString());
        Assert.Equal("tensor([  1., -20., 300.])", F32(1, -20, 300).ToString());
        Assert.Equal("tensor([0., 0., 0.])", Tensor.Zeros(3).ToString());
        Assert.Equal("tensor([-0., 1.])", F32(-0f, 1).ToString());
    }

    [Fact]
    public void IntegersAndBools()
    {
        Assert.Equal("tensor([0, 1, 2])", Tensor.Arange(3).ToString());
        Assert.Equal("tensor([ -5, 100])", Tensor.FromArray(new long[] { -5, 100 }).ToString());
        Assert.Equal("tensor([ True, False])", Tensor.FromArray(new[] { true, false }).ToString());
        Assert.Equal("tensor([True, True])", Tensor.FromArray(new[] { true, true }).ToString());
        Assert.Equal("tensor([[0, 3],\n        [1, 4],\n        [2, 5]])", Tensor.Arange(6).Reshape(2, 3).T.ToString());
    }

    [Fact]
    public void ScalarsAndEmptyTensors()
    {
        Assert.Equal("tensor(3.5000)", Tensor.Scalar(3.5).ToString());
        Assert.Equal("tensor(2.)", Tensor.Scalar(2).ToString());
        Assert.Equal("tensor(3)", Tensor.Scalar(3, DType.Int64).ToString());
        Assert.Equal("tensor(True)", Tensor.Scalar(1, DType.Bool).ToString());
        Assert.Equal("tensor(-0.5000, dtype=torch.float64)", Tensor.Scalar(-0.5, DType.Float64).ToString());
        Assert.Equal("tensor([])", Tensor.Zeros(0).ToString());
        Assert.Equal("tensor([], size=(0, 3))", Tensor.Zeros(0, 3).ToString());
        Assert.Equal("tensor([], dtype=torch.int64)", Tensor.Zeros([0], DType.Int64).ToString());
        Assert.Equal("tensor([], size=(2, 0), dtype=torch.float64)", Tensor.Zeros([2, 0], DType.Float64).ToString());
        Assert.Equal("tensor([], requires_grad=True)", Tensor.Zeros(0).RequiresGrad_().ToString());
    }

    [Fact]
    public void ScientificNotation()
    {
        Assert.Equal("tensor([1.0000e-05, 1.0000e+00])", F32(1e-5f, 1).ToString());
        Assert.Equal("tensor([1.0000e+10, 1.0000e+00])", F32(1e10f, 1).ToString());
        Assert.Equal("tensor([1.0000e+00, 2.0000e+03])", F32(1, 2000).ToString());
        Assert.Equal("tensor([1.0000e-01, 2.0000e+02])", F32(0.1f, 200).ToString());
        Assert.Equal("tensor([1.5000e-07, 2.0000e+00])", F32(1.5e-7f, 2).ToString());
        Assert.Equal("tensor([-1.2346e+03,  5.0000e-01], dtype=torch.float64)", F64(-1234.5678, 0.5).ToString());
    }

    [Fact]
    public void RoundsHalfToEvenOnTheExactValue()
    {
        // 0.03125 and 0.09375 are exact binary ties at 4 decimals: Python rounds them to even
        Assert.Equal("tensor([0.0312, 0.0938, 1.0000])", F32(0.03125f, 0.09375f, 1).ToString());
    }

    [Fact]
    public void NonFiniteValues()
    {
        Assert.Equal("tensor([1., nan, inf])", F32(1, float.NaN, float.PositiveInfinity).ToString());
        Assert.Equal("tensor([1.5000,    nan])", F32(1.5f, float.NaN).ToString());
        Assert.Equal("tensor([nan, 2.])", F32(float.NaN, 2).ToString());
        Assert.Equal("tensor([inf])", F32(float.PositiveInfinity).ToString());
        Assert.Equal("tensor([-inf, 1.])", F32(float.NegativeInfinity, 1).ToString());
    }

    [Fact]
    public void DTypeAndAutogradSuffixes()
    {
        Assert.Equal("tensor([1.5000, 2.0000], dtype=torch.float64)", F64(1.5, 2).ToString());
        var x = F32(1, 2).RequiresGrad_();
        Assert.Equal("tensor([1., 2.], requires_grad=True)", x.ToString());
        Assert.Equal("tensor([2., 4.], grad_fn=<MulBackward0>)", (x * 2.0).ToString());
        Assert.Equal("tensor([1., 2.], grad_fn=<LeakyReluBackward0>)", x.LeakyRelu().ToString());
        Assert.Equal("tensor(3., grad_fn=<SumBackward0>)", x.Sum().ToString());
        Assert.Equal("tensor([1., 2.])", x.Detach().ToString());
    }

    [Fact]
    public void LongRowsWrapAtEightyColumns()
    {
        Assert.Equal(
            "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n" +
            "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n" +
            "        28., 29.])",
            Tensor.Arange(0.0, 30.0).ToString());
        Assert.Equal(
            "tensor([[ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n" +
            "         14., 15., 16., 17., 18., 19.],\n" +
            "        [20., 21., 22., 23., 24., 25., 26., 27., 28., 29., 30., 31., 32., 33.,\n" +
            "         34., 35., 36., 37., 38., 39.]])",
            Tensor.Arange(0.0, 40.0).Reshape(2, 20).ToString());
    }

    [Fact]
    public void SuffixesWrapOntoANewLine()
    {
        var x = Tensor.Arange(0.0, 14.0, dtype: DType.Float64);
        Assert.Equal(
            "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.],\n" +
            "       dtype=torch.float64)",
            x.ToString());
        Assert.Equal(
            "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.],\n" +
            "       dtype=torch.float64, grad_fn=<MulBackward0>)",
            (x.Clone().RequiresGrad_() * 1.0).ToString());
    }

    [Fact]
    public void ThreeDimensionsSeparateBlocksWithABlankLine()
    {
        Assert.Equal(
            "tensor([[[0, 1],\n" +
            "         [2, 3]],\n" +
            "\n" +
            "        [[4, 5],\n" +
            "         [6, 7]]])",
            Tensor.Arange(8).Reshape(2, 2, 2).ToString());
    }

    [Fact]
    public void LargeTensorsAreSummarized()
    {
        Assert.Equal("tensor([   0,    1,    2,  ..., 1997, 1998, 1999])", Tensor.Arange(2000).ToString());
        Assert.Equal("tensor([1., 1., 1.,  ..., 1., 1., 1.])", Tensor.Ones(2000).ToString());
        // the notation is chosen from the shown values only: 0..2 and 1997..1999 span more than 1000x
        Assert.Equal(
            "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n" +
            "        1.9990e+03])",
            Tensor.Arange(0.0, 2000.0).ToString());
        Assert.Equal(
            "tensor([[   0,    1,    2,  ...,   97,   98,   99],\n" +
            "        [ 100,  101,  102,  ...,  197,  198,  199],\n" +
            "        [ 200,  201,  202,  ...,  297,  298,  299],\n" +
            "        ...,\n" +
            "        [9700, 9701, 9702,  ..., 9797, 9798, 9799],\n" +
            "        [9800, 9801, 9802,  ..., 9897, 9898, 9899],\n" +
            "        [9900, 9901, 9902,  ..., 9997, 9998, 9999]])",
            Tensor.Arange(10000).Reshape(100, 100).ToString());
    }

    [Fact]
    public void SummarizedThreeDimensionalTensor()
    {
        Assert.Equal(
            "tensor([[[   0,    1,    2,  ...,   97,   98,   99],\n" +
            "         [ 100,  101,  102,  ...,  197,  198,  199]],\n" +
            "\n" +
            "        [[ 200,  201,  202,  ...,  297,  298,  299],\n" +
            "         [ 300,  301,  302,  ...,  397,  398,  399]],\n" +
            "\n" +
            "        [[ 400,  401,  402,  ...,  497,  498,  499],\n" +
            "         [ 500,  501,  502,  ...,  597,  598,  599]],\n" +
            "\n" +
            "        ...,\n" +
            "\n" +
            "        [[ 800,  801,  802,  ...,  897,  898,  899],\n" +
            "         [ 900,  901,  902,  ...,  997,  998,  999]],\n" +
            "\n" +
            "        [[1000, 1001, 1002,  ..., 1097, 1098, 1099],\n" +
            "         [1100, 1101, 1102,  ..., 1197, 1198, 1199]],\n" +
            "\n" +
            "        [[1200, 1201, 1202,  ..., 1297, 1298, 1299],\n" +
            "         [1300, 1301, 1302,  ..., 1397, 1398, 1399]]])",
            Tensor.Arange(1400).Reshape(7, 2, 100).ToString());
    }

    [Theory]
    [InlineData(0.0, "0.0000", "0.0000e+00")]
    [InlineData(-0.0, "-0.0000", "-0.0000e+00")]
    [InlineData(1.0, "1.0000", "1.0000e+00")]
    [InlineData(0.00005, "0.0001", "5.0000e-05")]
    [InlineData(-0.00004, "-0.0000", "-4.0000e-05")]
    [InlineData(9.99994, "9.9999", "9.9999e+00")]
    [InlineData(9.999951, "10.0000", "1.0000e+01")]
    [InlineData(123456789.0, "123456789.0000", "1.2346e+08")]
    [InlineData(1e-300, "0.0000", "1.0000e-300")]
    [InlineData(5e-324, "0.0000", "4.9407e-324")]
    [InlineData(1.7976931348623157e308, "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.0000", "1.7977e+308")]
    public void FloatTextMatchesPython(double value, string fixedText, string scientific)
    {
        // expected strings from Python's f"{v:.4f}" and f"{v:.4e}"
        Assert.Equal(fixedText, FloatText.Fixed(value, 4));
        Assert.Equal(scientific, FloatText.Scientific(value, 4));
    }
}
