/**
 * A tokenizer for the part of PowerShell that build-scripts/build-winpe.ps1 is written in, so that
 * the tests can check the script on Linux, where no PowerShell runs (it is no Debian package).
 *
 * It knows what decides whether the script parses at all: comments (# and <# #>), single- and
 * double-quoted strings with their escapes (`x, '' and ""), here-strings (@' '@ and @" "@),
 * subexpressions inside strings ("$(...)", scanned as code), variables (with scopes such as
 * $env:), and brackets, which must pair up. It refuses "$name:" inside a double-quoted string,
 * which PowerShell rejects as an invalid variable reference. It is not a full parser: it does not
 * know grammar beyond that, so the tests add the checks they need on top of the token list.
 */

export type TokenKind = 'word' | 'variable' | 'string' | 'open' | 'close' | 'operator' | 'newline';

export interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  /** How many brackets are open around the token (an opening bracket counts those before it). */
  depth: number;
}

export class PowerShellSyntaxError extends Error {}

const CLOSER: Record<string, string> = { '(': ')', '$(': ')', '@(': ')', '{': '}', '@{': '}', '[': ']' };
const WORD_STOP = /[\s(){}[\];,|&"'`$]/;
const OPERATORS = ['&&', '||', '??', '?.', '::', '+=', '-=', '>>', '=', '|', ';', ',', '!', '?', '>', '<', '*', '/', '%', '+', '&', '.', '-'];

class Scanner {
  private i = 0;
  private line = 1;
  private readonly tokens: Token[] = [];
  private readonly open: { text: string; line: number }[] = [];

  constructor(private readonly src: string) {}

  run(): Token[] {
    this.code(-1);
    const top = this.open.at(-1);
    if (top) this.fail(`"${top.text}" opened on line ${top.line} is never closed`);
    return this.tokens;
  }

  private fail(message: string): never {
    throw new PowerShellSyntaxError(`line ${this.line}: ${message}`);
  }

  private emit(kind: TokenKind, text: string): void {
    this.tokens.push({ kind, text, line: this.line, depth: this.open.length });
  }

  private countLines(from: number, to: number): void {
    for (let k = from; k < to; k++) if (this.src[k] === '\n') this.line++;
  }

  /** Scans code; with stopDepth >= 0, returns once the bracket that made the depth stopDepth+1 closes. */
  private code(stopDepth: number): void {
    const src = this.src;
    while (this.i < src.length) {
      const c = src[this.i]!;
      const next = src[this.i + 1] ?? '';
      if (c === '\n') {
        this.emit('newline', '\n');
        this.line++;
        this.i++;
      } else if (/\s/.test(c)) {
        this.i++;
      } else if (c === '`') {
        this.countLines(this.i, this.i + 2);
        this.i += 2;
      } else if (c === '<' && next === '#') {
        this.skipUntil('#>', 'block comment <#');
      } else if (c === '#') {
        while (this.i < src.length && src[this.i] !== '\n') this.i++;
      } else if (c === '@' && (next === '"' || next === "'")) {
        this.hereString(next);
      } else if (c === "'") {
        this.singleQuoted();
      } else if (c === '"') {
        this.doubleQuoted();
      } else if (c === '$') {
        this.variable(false);
      } else if (c === '@' && (next === '(' || next === '{')) {
        this.openBracket(`@${next}`);
      } else if (c === '(' || c === '{' || c === '[') {
        this.openBracket(c);
      } else if (c === ')' || c === '}' || c === ']') {
        this.closeBracket(c);
        if (stopDepth >= 0 && this.open.length === stopDepth) return;
      } else if (c === '-' && /[A-Za-z0-9]/.test(next)) {
        this.word();
      } else {
        const op = OPERATORS.find((candidate) => src.startsWith(candidate, this.i));
        if (op !== undefined && !(op === '.' && /[\w\\]/.test(next))) {
          this.emit('operator', op);
          this.i += op.length;
        } else {
          this.word();
        }
      }
    }
  }

  private word(): void {
    const start = this.i;
    this.i++;
    while (this.i < this.src.length && !WORD_STOP.test(this.src[this.i]!)) this.i++;
    this.emit('word', this.src.slice(start, this.i));
  }

  private openBracket(text: string): void {
    this.emit('open', text);
    this.open.push({ text, line: this.line });
    this.i += text.length;
  }

  private closeBracket(c: string): void {
    const top = this.open.pop();
    if (top === undefined) this.fail(`"${c}" closes nothing`);
    if (CLOSER[top.text] !== c) this.fail(`"${c}" closes "${top.text}" opened on line ${top.line}`);
    this.emit('close', c);
    this.i++;
  }

  private skipUntil(end: string, what: string): void {
    const stop = this.src.indexOf(end, this.i + 2);
    if (stop < 0) this.fail(`${what} is never closed`);
    this.countLines(this.i, stop + end.length);
    this.i = stop + end.length;
  }

  private singleQuoted(): void {
    const startLine = this.line;
    let k = this.i + 1;
    for (;;) {
      const stop = this.src.indexOf("'", k);
      if (stop < 0) this.fail(`the string opened on line ${startLine} with ' is never closed`);
      if (this.src[stop + 1] === "'") {
        k = stop + 2;
        continue;
      }
      this.countLines(this.i, stop + 1);
      this.emit('string', this.src.slice(this.i, stop + 1));
      this.i = stop + 1;
      return;
    }
  }

  private doubleQuoted(): void {
    const start = this.i;
    const startLine = this.line;
    this.i++;
    for (;;) {
      if (this.i >= this.src.length) this.fail(`the string opened on line ${startLine} with " is never closed`);
      const c = this.src[this.i]!;
      if (c === '`') {
        this.countLines(this.i, this.i + 2);
        this.i += 2;
      } else if (c === '"' && this.src[this.i + 1] === '"') {
        this.i += 2;
      } else if (c === '"') {
        this.i++;
        this.emit('string', this.src.slice(start, this.i));
        return;
      } else if (c === '$') {
        this.variable(true);
      } else {
        if (c === '\n') this.line++;
        this.i++;
      }
    }
  }

  private hereString(quote: string): void {
    const lineEnd = this.src.indexOf('\n', this.i);
    if (lineEnd < 0 || this.src.slice(this.i + 2, lineEnd).trim() !== '') this.fail(`a here-string's @${quote} must end its line`);
    const close = this.src.indexOf(`\n${quote}@`, lineEnd);
    if (close < 0) this.fail(`the here-string @${quote} is never closed`);
    const body = this.src.slice(lineEnd + 1, close);
    if (quote === '"') for (const match of body.matchAll(/\$(\w+)/g)) this.emit('variable', match[1]!);
    this.countLines(this.i, close + 3);
    this.emit('string', this.src.slice(this.i, close + 3));
    this.i = close + 3;
  }

  /** At a $: a subexpression $( ), a braced ${name}, a (scoped) name, or a lone $ in a string. */
  private variable(inString: boolean): void {
    const src = this.src;
    const next = src[this.i + 1] ?? '';
    if (next === '(') {
      this.openBracket('$(');
      if (inString) this.code(this.open.length - 1);
      return;
    }
    if (next === '{') {
      const stop = src.indexOf('}', this.i);
      if (stop < 0) this.fail('${ is never closed');
      this.emit('variable', src.slice(this.i + 2, stop));
      this.i = stop + 1;
      return;
    }
    const name = /^(?:[A-Za-z_][\w]*|[?$^])/.exec(src.slice(this.i + 1))?.[0];
    if (name === undefined) {
      if (!inString) this.fail('a $ that starts no variable');
      this.i++;
      return;
    }
    this.i += 1 + name.length;
    if (src[this.i] === ':' && src[this.i + 1] !== ':') {
      const rest = /^[A-Za-z_]\w*/.exec(src.slice(this.i + 1))?.[0];
      if (rest === undefined) this.fail(`"$${name}:" is not a valid variable reference: write "$${name}\`:" or "\${${name}}:"`);
      this.i += 1 + rest.length;
      this.emit('variable', `${name}:${rest}`);
      return;
    }
    this.emit('variable', name);
  }
}

export function tokenize(source: string): Token[] {
  return new Scanner(source.replace(/\r\n/g, '\n')).run();
}

/** The index of the token that closes the bracket opened at tokens[openIndex]. */
export function matchingClose(tokens: Token[], openIndex: number): number {
  const depth = tokens[openIndex]!.depth;
  for (let k = openIndex + 1; k < tokens.length; k++) {
    if (tokens[k]!.kind === 'close' && tokens[k]!.depth === depth) return k;
  }
  throw new Error(`no close for the bracket on line ${tokens[openIndex]!.line}`);
}

/** Words in the form Verb-Noun outside strings: calls of cmdlets and functions, and definitions. */
export function verbNounWords(tokens: Token[]): Token[] {
  return tokens.filter((token) => token.kind === 'word' && /^[A-Za-z]+-[A-Za-z][A-Za-z0-9]*$/.test(token.text));
}

/** Names defined with `function Name`, with the index of the name's token. */
export function functionDefinitions(tokens: Token[]): Map<string, number> {
  const definitions = new Map<string, number>();
  tokens.forEach((token, index) => {
    const name = tokens[index + 1];
    if (token.kind === 'word' && token.text.toLowerCase() === 'function' && name?.kind === 'word') {
      definitions.set(name.text.toLowerCase(), index + 1);
    }
  });
  return definitions;
}

/** The script's param( ) block: its parameters' names and the range of token indexes it covers. */
export function paramBlock(tokens: Token[]): { names: string[]; from: number; to: number } {
  const start = tokens.findIndex(
    (token, index) => token.kind === 'word' && token.text.toLowerCase() === 'param' && token.depth === 0 && tokens[index + 1]?.text === '(',
  );
  if (start < 0) throw new Error('the script has no param( ) block');
  const to = matchingClose(tokens, start + 1);
  const inner = tokens[start + 1]!.depth + 1;
  const names = tokens
    .slice(start + 2, to)
    .filter((token) => token.kind === 'variable' && token.depth === inner)
    .map((token) => token.text);
  return { names, from: start, to };
}
