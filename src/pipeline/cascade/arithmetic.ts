/**
 * Re-checks the arithmetic a model wrote down. Weak models often set up a word problem right and then
 * slip in a product or a sum; "3 x 60 = 180" and calculator annotations like "<<3*60=180>>" can be
 * recomputed exactly for free. Expressions are evaluated by a tiny recursive-descent parser (numbers,
 * + - * / × ÷ x, %, parentheses) — never `eval`. A result counts as right within 1% or 0.01 absolute,
 * because answers are routinely rounded to cents; "0.1 * 100 = 10%" is read both ways.
 */

export interface ArithmeticAudit {
  /** Equations recomputed. */
  checked: number;
  /** Equations whose stated result is off. */
  wrong: number;
  /** The first few wrong equations, for the check's detail. */
  examples: string[];
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): number | null {
    const v = this.expr();
    this.ws();
    return v !== null && this.i === this.s.length && Number.isFinite(v) ? v : null;
  }

  private ws(): void {
    while (this.i < this.s.length && this.s[this.i] === ' ') this.i++;
  }

  private expr(): number | null {
    let v = this.term();
    for (;;) {
      if (v === null) return null;
      this.ws();
      const c = this.s[this.i];
      if (c !== '+' && c !== '-') return v;
      this.i++;
      const r = this.term();
      if (r === null) return null;
      v = c === '+' ? v + r : v - r;
    }
  }

  private term(): number | null {
    let v = this.factor();
    for (;;) {
      if (v === null) return null;
      this.ws();
      const c = this.s[this.i];
      if (c !== '*' && c !== '/' && c !== '×' && c !== '÷' && c !== 'x' && c !== 'X') return v;
      this.i++;
      const r = this.factor();
      if (r === null) return null;
      v = c === '/' || c === '÷' ? v / r : v * r;
    }
  }

  private factor(): number | null {
    this.ws();
    const c = this.s[this.i];
    if (c === '-') {
      this.i++;
      const v = this.factor();
      return v === null ? null : -v;
    }
    if (c === '(') {
      this.i++;
      const v = this.expr();
      this.ws();
      if (this.s[this.i] !== ')') return null;
      this.i++;
      return this.percent(v);
    }
    const m = /^\$?(\d[\d,]*(?:\.\d+)?|\.\d+)/.exec(this.s.slice(this.i));
    if (!m) return null;
    this.i += m[0].length;
    return this.percent(Number(m[1]!.replace(/,/g, '')));
  }

  private percent(v: number | null): number | null {
    if (v !== null && this.s[this.i] === '%') {
      this.i++;
      return v / 100;
    }
    return v;
  }
}

/** Value of a plain arithmetic expression, or null if it is not one. */
export function evaluateArithmetic(expr: string): number | null {
  return new Parser(expr.trim()).parse();
}

const ANNOTATION_RE = /<<([^<>=]+)=([^<>]+)>>/g;
const NUM = String.raw`\$?\d[\d,]*(?:\.\d+)?%?`;
const OPERAND = String.raw`(?:\(\s*)*-?${NUM}(?:\s*\))*`;
const OP = '\\s*[-+*/×÷xX]\\s*';
const EXPR = `${OPERAND}(?:${OP}${OPERAND})*`;
/**
 * A chain "a op b = c [= d …]" not glued to a longer expression on either side: an operator just before
 * the chain means its left end was cut off by words ("8 units/floor * 3/4 = …"), so it is skipped.
 */
const CHAIN_RE = new RegExp(
  String.raw`(?<![-+*/×÷xX\d.,$%)(]\s*)(${EXPR}(?:\s*=\s*${EXPR})+)(?![\d.,]|\s*[-+*/×÷xX(]\s*[\d($])`,
  'g',
);
const HAS_OP = /\d\s*[-+*/×÷xX]\s*[\d($(]/;

function close(stated: number, actual: number): boolean {
  return Math.abs(stated - actual) <= Math.max(0.01, 0.01 * Math.abs(actual));
}

/** Recomputes every `<<a*b=c>>` annotation and inline `a op b = c [= …]` chain in the text. */
export function auditArithmetic(text: string): ArithmeticAudit {
  const audit: ArithmeticAudit = { checked: 0, wrong: 0, examples: [] };
  const seen = new Set<string>();
  const visit = (lhs: string, rhs: string) => {
    const actual = evaluateArithmetic(lhs);
    const stated = evaluateArithmetic(rhs);
    if (actual === null || stated === null) return;
    // "3 x 60 = <<3*60=180>>180" states one equation twice; count it once.
    const key = `${actual}=${stated}`;
    if (seen.has(key)) return;
    seen.add(key);
    audit.checked++;
    // "0.1 * 100 = 10%" writes a percentage as a number: accept it with the % signs read literally too.
    const noPct = (x: string) => evaluateArithmetic(x.replace(/%/g, ''));
    const lenient = /%/.test(lhs + rhs) && close(noPct(rhs) ?? Number.NaN, noPct(lhs) ?? Number.NaN);
    if (!close(stated, actual) && !lenient) {
      audit.wrong++;
      if (audit.examples.length < 3)
        audit.examples.push(`${lhs.trim()} = ${rhs.trim()} (is ${+actual.toFixed(6)})`);
    }
  };
  for (const m of text.matchAll(ANNOTATION_RE)) visit(m[1]!, m[2]!);
  const plain = text.replace(ANNOTATION_RE, ' ');
  for (const m of plain.matchAll(CHAIN_RE)) {
    const parts = m[1]!.split('=');
    if (!parts.some((p) => HAS_OP.test(p))) continue;
    for (let k = 0; k + 1 < parts.length; k++) {
      if (HAS_OP.test(parts[k]!) || HAS_OP.test(parts[k + 1]!)) visit(parts[k]!, parts[k + 1]!);
    }
  }
  return audit;
}
