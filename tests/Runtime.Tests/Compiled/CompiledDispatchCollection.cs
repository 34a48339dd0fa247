using DeepGen.Compiled;

namespace DeepGen.Tests.Compiled;

/// <summary>
/// The tests that set <see cref="CompiledDispatch.ThrowOnFallback"/> (process-wide) and seed the shared
/// <c>Generator.Default</c> before comparing dropout masks of eager and compiled runs: they run with no other
/// test at the same time, so that neither is changed between the two runs they compare.
/// </summary>
[CollectionDefinition(nameof(CompiledDispatch), DisableParallelization = true)]
public sealed class CompiledDispatchCollection;
