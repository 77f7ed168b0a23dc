import { describe, expect, it } from 'vitest';
import { functionDefinitions, paramBlock, PowerShellSyntaxError, tokenize, verbNounWords } from './powershell-tokens.js';

// The tokenizer stands in for PowerShell's parser in build-winpe-script.test.ts: these show that it
// refuses what PowerShell refuses, and does not trip over what PowerShell accepts.
describe('the PowerShell tokenizer used to check build-winpe.ps1', () => {
  it('accepts strings, escapes, here-strings, comments and subexpressions that hold brackets and quotes', () => {
    const source = [
      '<# help { with a brace #>',
      '# a comment ( with a bracket',
      "$a = 'it''s { fine'",
      '$b = "a ""quoted"" word, a `" and $($a.Length + (1 * 2)) and $(Get-Thing "inner (")"',
      '$c = @"',
      'text with { and " and $a',
      '"@',
      "$d = @'",
      'literal $notAVariable }',
      "'@",
      '$e = "$env:TEMP and ${a}: and $a`: and $($a):"',
      'if ($a) { Write-Host @(1, 2) } else { [string]::Empty }',
    ].join('\r\n');
    const tokens = tokenize(source);
    // Five strings, and "inner (" inside the subexpression.
    expect(tokens.filter((token) => token.kind === 'string')).toHaveLength(6);
    expect(verbNounWords(tokens).map((token) => token.text)).toEqual(['Get-Thing', 'Write-Host']);
    const variables = tokens.filter((token) => token.kind === 'variable').map((token) => token.text);
    expect(variables).toContain('env:TEMP');
    expect(variables).not.toContain('notAVariable');
  });

  it.each([
    ['an unclosed brace', 'function F {\n  Write-Host 1\n', /"\{" opened on line 1 is never closed/],
    ['a bracket closed by the wrong one', '$x = (1, 2]', /"\]" closes "\(" opened on line 1/],
    ['a closing bracket with nothing open', 'Write-Host 1 }', /"\}" closes nothing/],
    ['an unterminated double-quoted string', '$x = "abc\n$y = 1', /string opened on line 1 with " is never closed/],
    ['an unterminated single-quoted string', "$x = 'abc", /string opened on line 1 with ' is never closed/],
    ['an unterminated here-string', '$x = @"\nabc\n', /here-string @" is never closed/],
    ['an unclosed block comment', '<# help\nno end', /block comment <# is never closed/],
    ['"$name:" in a string', 'Write-Host "the file $path: gone"', /"\$path:" is not a valid variable reference/],
    ['an unclosed subexpression in a string', 'Write-Host "a $(Get-Date b"', /never closed/],
  ])('refuses %s, naming the line', (_what, source, message) => {
    expect(() => tokenize(source)).toThrow(PowerShellSyntaxError);
    expect(() => tokenize(source)).toThrow(message);
  });

  it('finds the param block, its parameters and the functions defined', () => {
    const tokens = tokenize(
      [
        '[CmdletBinding()]',
        'param(',
        "  [string]$Exe = (Join-Path $PSScriptRoot 'x'),",
        '  [ValidateRange(0, 9)]',
        '  [int]$Disk = -1',
        ')',
        'function Get-Thing([string]$Name) { $Name }',
        'Get-Thing $Exe',
      ].join('\n'),
    );
    expect(paramBlock(tokens).names).toEqual(['Exe', 'Disk']);
    expect([...functionDefinitions(tokens).keys()]).toEqual(['get-thing']);
  });
});
