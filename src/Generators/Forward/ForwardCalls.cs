using System.Text;
using DeepGen.Fusion;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepGen.Generators;

/// <summary>
/// Calls such as <c>model.Forward(x)</c> on a model whose one-tensor Forward compiled, redirected by C#
/// interceptors to the compiled dispatch (<c>ITensorModule.Forward</c>: the compiled graph when its guards
/// hold, else the model's own Forward). Without them, only calls through <c>ITensorModule</c> (a
/// <c>Sequential</c>, a cast) reach the compiled path. A project opts in with
/// <c>&lt;InterceptorsNamespaces&gt;$(InterceptorsNamespaces);DeepGen.Interceptors&lt;/InterceptorsNamespaces&gt;</c>;
/// without that, nothing is generated (the compiler would reject the interceptors).
/// </summary>
internal static class ForwardCalls
{
    /// <summary>The namespace of the generated interceptors, the one a project lists in InterceptorsNamespaces.</summary>
    public const string Namespace = "DeepGen.Interceptors";

    public const string HintName = "DeepGen.Interceptors.g.cs";

    /// <summary>Registers the steps: the calls, the models that compiled, and the one generated file.</summary>
    public static void Register(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<ForwardModel?> forwards)
    {
        // A string, not a bool: Roslyn's tables over reference types are compiled ahead of time, a bool tuple is jitted per build.
        IncrementalValueProvider<string> interceptorsNamespace = context.ParseOptionsProvider
            .Select(static (options, _) => IsEnabled(options) ? Namespace : string.Empty)
            .WithTrackingName(TrackingNames.InterceptorsEnabled);

        IncrementalValueProvider<EquatableArray<ForwardCall>> calls = context.SyntaxProvider
            .CreateSyntaxProvider(static (node, _) => IsForwardCall(node), static (context, token) => Find(context, token))
            .Where(static call => call is not null)
            .Select(static (call, _) => call!)
            .Collect()
            .Select(static (found, _) => found.ToEquatableArray())
            .WithTrackingName(TrackingNames.ForwardCalls);

        IncrementalValueProvider<EquatableArray<string>> compiled = forwards
            .Select(static (model, _) => model is { InputNames.Count: 1 } ? TypeKey(model) : null)
            .Where(static key => key is not null)
            .Select(static (key, _) => key!)
            .Collect()
            .Select(static (keys, _) => keys.ToEquatableArray());

        context.RegisterSourceOutput(interceptorsNamespace.Combine(calls).Combine(compiled), static (output, input) =>
        {
            var ((namespaceName, found), models) = input;
            var intercepted = found.Where(call => models.Contains(call.TypeKey)).ToList();
            if (namespaceName.Length > 0 && intercepted.Count > 0)
            {
                output.AddSource(HintName, Emit(intercepted));
            }
        });
    }

    /// <summary>True when the project lists <see cref="Namespace"/> in InterceptorsNamespaces.</summary>
    private static bool IsEnabled(ParseOptions options) =>
        options.Features.TryGetValue("InterceptorsNamespaces", out string? namespaces)
        && namespaces.Split(';').Any(name => name.Trim() == Namespace);

    /// <summary>Syntax only, for every invocation in the project: <c>something.Forward(one argument)</c>.</summary>
    private static bool IsForwardCall(SyntaxNode node) =>
        node is InvocationExpressionSyntax
        {
            Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Forward", Expression: not BaseExpressionSyntax },
            ArgumentList.Arguments.Count: 1,
        };

    private static ForwardCall? Find(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        var call = (InvocationExpressionSyntax)context.Node;
        if (context.SemanticModel.GetSymbolInfo(call, cancellationToken).Symbol is not IMethodSymbol method
            || method.ContainingType is not { IsGenericType: false } type
            || !SymbolEqualityComparer.Default.Equals(ForwardLowerer.FindForward(type), method)
            || method.Parameters.Length != 1
            || !ModelGenerator.IsModelClass(type))
        {
            return null;
        }

        if (context.SemanticModel.GetInterceptableLocation(call, cancellationToken) is not { } location)
        {
            return null;
        }

        return new ForwardCall(type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), location.Version, location.Data, location.GetDisplayLocation());
    }

    /// <summary>The fully qualified name of a compiled model's class, as <see cref="Find"/> writes it.</summary>
    private static string TypeKey(ForwardModel model)
    {
        var name = new StringBuilder("global::");
        if (model.Namespace.Length > 0)
        {
            name.Append(model.Namespace).Append('.');
        }

        foreach (TypeDeclSpec containing in model.ContainingTypes)
        {
            name.Append(containing.Name).Append('.');
        }

        return name.Append(model.ClassName).ToString();
    }

    private static string Emit(IReadOnlyList<ForwardCall> calls)
    {
        var text = new StringBuilder();
        text.AppendLine("// <auto-generated/>");
        text.AppendLine("// Calls to compiled models' Forward, sent to their compiled dispatch (ITensorModule.Forward: the");
        text.AppendLine("// compiled graph when its guards hold, else the model's own Forward). Generated by DeepGen because");
        text.AppendLine("// the project lists DeepGen.Interceptors in InterceptorsNamespaces.");
        text.AppendLine("#nullable enable");
        text.AppendLine();
        text.AppendLine("namespace " + Namespace);
        text.AppendLine("{");
        text.AppendLine("    file static class ForwardInterceptors");
        text.AppendLine("    {");
        int index = 0;
        foreach (IGrouping<string, ForwardCall> model in calls.GroupBy(call => call.TypeKey))
        {
            if (index > 0)
            {
                text.AppendLine();
            }

            foreach (ForwardCall call in model)
            {
                text.AppendLine($"        [global::System.Runtime.CompilerServices.InterceptsLocation({call.Version}, \"{call.Data}\")] // {call.Display}");
            }

            text.AppendLine($"        public static global::DeepGen.Tensor Forward{index}(this {model.Key} model, global::DeepGen.Tensor input) =>");
            text.AppendLine("            ((global::DeepGen.ITensorModule)model).Forward(input);");
            index++;
        }

        text.AppendLine("    }");
        text.AppendLine("}");
        text.AppendLine();
        text.AppendLine("namespace System.Runtime.CompilerServices");
        text.AppendLine("{");
        text.AppendLine("    [global::System.AttributeUsage(global::System.AttributeTargets.Method, AllowMultiple = true)]");
        text.AppendLine("    file sealed class InterceptsLocationAttribute : global::System.Attribute");
        text.AppendLine("    {");
        text.AppendLine("        // read by the compiler from the attribute's arguments, not at run time");
        text.AppendLine("        public InterceptsLocationAttribute(int version, string data)");
        text.AppendLine("        {");
        text.AppendLine("            _ = version;");
        text.AppendLine("            _ = data;");
        text.AppendLine("        }");
        text.AppendLine("    }");
        text.AppendLine("}");
        return text.ToString();
    }
}

/// <summary>One call to intercept: the model class (fully qualified) and where the call is, as the compiler encodes it.</summary>
internal sealed record ForwardCall(string TypeKey, int Version, string Data, string Display);
