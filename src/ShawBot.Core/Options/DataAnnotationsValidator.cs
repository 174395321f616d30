using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ShawBot.Core.Options;

/// <summary>
/// Validates options with their DataAnnotations attributes (the Microsoft.Extensions.Options.DataAnnotations
/// package is not among the reachable ones; this is its core in a few lines).
/// </summary>
public sealed class DataAnnotationsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            return ValidateOptionsResult.Success;
        }

        return ValidateOptionsResult.Fail(results.Select(r =>
            $"{typeof(TOptions).Name}.{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
    }
}

public static class OptionsBuilderDataAnnotationsExtensions
{
    /// <summary>Registers <see cref="DataAnnotationsValidator{TOptions}"/> for the options type.</summary>
    public static OptionsBuilder<TOptions> ValidateWithDataAnnotations<TOptions>(this OptionsBuilder<TOptions> builder)
        where TOptions : class
    {
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, DataAnnotationsValidator<TOptions>>());
        return builder;
    }
}
