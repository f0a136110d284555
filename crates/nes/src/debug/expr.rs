//! The debugger's expression language: breakpoint conditions, trace
//! filters and watch entries.
//!
//! `a == $10 && scanline > 100`, `[$0300] & $80`, `!is_dummy && value != 0`.
//! Operators, loosest first: `||`; `&&`; `== != < > <= >=`; `|`; `&`;
//! `+ -`; unary `! -`; then `( )`, `[addr]` (the byte at a CPU address,
//! read without side effects) and `{addr}` (the little-endian word there). Literals: `$1F`, `0x1F`, `%101`,
//! `31`. The bit operators bind tighter than comparisons, so
//! `value & $80 == $80` means what it says.
//!
//! Parsing allocates and runs off the emulation thread; it produces a
//! [`Condition`], a fixed-size program for a small stack machine that the
//! thread evaluates with no allocation.

/// Most operations a compiled expression holds.
pub const MAX_OPS: usize = 48;
/// Deepest evaluation stack a compiled expression may need.
const MAX_STACK: usize = 16;

/// What an expression can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    A,
    X,
    Y,
    Sp,
    P,
    Pc,
    FlagC,
    FlagZ,
    FlagI,
    FlagD,
    FlagV,
    FlagN,
    Scanline,
    Dot,
    Frame,
    Cycle,
    /// The byte read or written by the access being checked.
    Value,
    /// The address of the access being checked.
    Address,
    IsWrite,
    IsRead,
    IsDummy,
    IsDma,
}

impl Var {
    fn from_name(name: &str) -> Option<Var> {
        Some(match name.to_ascii_lowercase().as_str() {
            "a" => Var::A,
            "x" => Var::X,
            "y" => Var::Y,
            "sp" | "s" => Var::Sp,
            "p" | "ps" => Var::P,
            "pc" => Var::Pc,
            "c" | "carry" => Var::FlagC,
            "z" | "zero" => Var::FlagZ,
            "i" | "irqdisable" => Var::FlagI,
            "d" | "decimal" => Var::FlagD,
            "v" | "overflow" => Var::FlagV,
            "n" | "negative" => Var::FlagN,
            "scanline" => Var::Scanline,
            "dot" | "cycle_in_line" => Var::Dot,
            "frame" => Var::Frame,
            "cycle" | "cycles" => Var::Cycle,
            "value" => Var::Value,
            "address" | "addr" => Var::Address,
            "is_write" => Var::IsWrite,
            "is_read" => Var::IsRead,
            "is_dummy" => Var::IsDummy,
            "is_dma" => Var::IsDma,
            _ => return None,
        })
    }

    /// Needs the PPU caught up to the CPU before it can be read.
    fn needs_ppu(self) -> bool {
        matches!(self, Var::Scanline | Var::Dot | Var::Frame)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Const(i64),
    Var(Var),
    /// Pops an address, pushes the byte there.
    Peek,
    /// Pops an address, pushes the little-endian word there.
    PeekWord,
    Not,
    Neg,
    Add,
    Sub,
    BitAnd,
    BitOr,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    And,
    Or,
}

impl Op {
    /// How the operation changes the stack depth.
    fn depth_change(self) -> isize {
        match self {
            Op::Const(_) | Op::Var(_) => 1,
            Op::Peek | Op::PeekWord | Op::Not | Op::Neg => 0,
            _ => -1,
        }
    }
}

/// What an expression reads as it is evaluated.
pub trait Context {
    fn var(&self, var: Var) -> i64;
    /// The byte at a CPU address, with no side effect.
    fn peek(&self, addr: u16) -> u8;
}

/// A compiled expression: plain data the emulation thread evaluates
/// without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition {
    ops: [Op; MAX_OPS],
    len: u8,
    needs_ppu: bool,
}

impl Condition {
    /// Compiles `text`; names that are not the language's own go to
    /// `label` (symbols from the game's debug files), which gives their address.
    pub fn parse_with(text: &str, label: &dyn Fn(&str) -> Option<u16>) -> Result<Condition, ExprError> {
        let tokens = lex(text)?;
        if tokens.is_empty() {
            return Err(ExprError { at: 0, message: "the expression is empty".into() });
        }
        let mut parser = Parser { src: text, tokens: &tokens, next: 0, out: Vec::new(), label, end: text.len() };
        parser.or()?;
        if let Some(tok) = tokens.get(parser.next) {
            return Err(ExprError { at: tok.at, message: format!("unexpected '{}'", tok.text(text)) });
        }
        Condition::from_ops(&parser.out, text.len())
    }

    pub fn parse(text: &str) -> Result<Condition, ExprError> {
        Self::parse_with(text, &|_| None)
    }

    fn from_ops(ops: &[Op], end: usize) -> Result<Condition, ExprError> {
        if ops.len() > MAX_OPS {
            return Err(ExprError { at: end, message: format!("the expression is too long ({} operations, at most {MAX_OPS})", ops.len()) });
        }
        let mut depth = 0isize;
        for op in ops {
            depth += op.depth_change();
            if depth as usize > MAX_STACK {
                return Err(ExprError { at: end, message: format!("the expression nests too deeply (at most {MAX_STACK} levels)") });
            }
        }
        let mut compiled = Condition { ops: [Op::Const(0); MAX_OPS], len: ops.len() as u8, needs_ppu: false };
        compiled.ops[..ops.len()].copy_from_slice(ops);
        compiled.needs_ppu = ops.iter().any(|op| matches!(op, Op::Var(v) if v.needs_ppu()));
        Ok(compiled)
    }

    /// True when evaluating reads the PPU's position.
    pub fn needs_ppu(&self) -> bool {
        self.needs_ppu
    }

    /// The expression's value.
    pub fn eval(&self, ctx: &impl Context) -> i64 {
        let mut stack = [0i64; MAX_STACK];
        let mut top = 0usize;
        for &op in &self.ops[..usize::from(self.len)] {
            match op {
                Op::Const(n) => {
                    stack[top] = n;
                    top += 1;
                }
                Op::Var(v) => {
                    stack[top] = ctx.var(v);
                    top += 1;
                }
                Op::Peek => stack[top - 1] = i64::from(ctx.peek(stack[top - 1] as u16)),
                Op::PeekWord => {
                    let addr = stack[top - 1] as u16;
                    stack[top - 1] = i64::from(u16::from_le_bytes([ctx.peek(addr), ctx.peek(addr.wrapping_add(1))]));
                }
                Op::Not => stack[top - 1] = i64::from(stack[top - 1] == 0),
                Op::Neg => stack[top - 1] = stack[top - 1].wrapping_neg(),
                binary => {
                    top -= 1;
                    let (l, r) = (stack[top - 1], stack[top]);
                    stack[top - 1] = match binary {
                        Op::Add => l.wrapping_add(r),
                        Op::Sub => l.wrapping_sub(r),
                        Op::BitAnd => l & r,
                        Op::BitOr => l | r,
                        Op::Eq => i64::from(l == r),
                        Op::Ne => i64::from(l != r),
                        Op::Lt => i64::from(l < r),
                        Op::Gt => i64::from(l > r),
                        Op::Le => i64::from(l <= r),
                        Op::Ge => i64::from(l >= r),
                        Op::And => i64::from(l != 0 && r != 0),
                        Op::Or => i64::from(l != 0 || r != 0),
                        _ => unreachable!("unary operations are handled above"),
                    };
                }
            }
        }
        if top == 0 { 0 } else { stack[top - 1] }
    }

    /// True when the expression's value is not zero.
    pub fn holds(&self, ctx: &impl Context) -> bool {
        self.eval(ctx) != 0
    }
}

/// Why an expression was refused, and where (a byte offset into it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at column {}: {message}", at + 1)]
pub struct ExprError {
    pub at: usize,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number(i64),
    Name,
    /// An operator or bracket, by its text.
    Punct(&'static str),
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    at: usize,
    len: usize,
}

impl Token {
    fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.at..self.at + self.len]
    }
}

const PUNCTS: [&str; 20] = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "&", "|", "+", "-", "(", ")", "[", "]", "{", "}", ","];

fn lex(src: &str) -> Result<Vec<Token>, ExprError> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let number = |digits: &[u8], radix: u32, skip: usize| -> Result<(i64, usize), ExprError> {
            let len = digits.iter().take_while(|d| (**d as char).is_digit(radix)).count();
            if len == 0 {
                return Err(ExprError { at: start, message: "a number prefix with no digits after it".into() });
            }
            let text = std::str::from_utf8(&digits[..len]).unwrap_or("0");
            let value = i64::from_str_radix(text, radix)
                .map_err(|_| ExprError { at: start, message: format!("the number '{text}' is too large") })?;
            Ok((value, skip + len))
        };
        let (kind, len) = if c == b'$' {
            let (n, len) = number(&bytes[i + 1..], 16, 1)?;
            (Kind::Number(n), len)
        } else if c == b'0' && matches!(bytes.get(i + 1), Some(b'x' | b'X')) {
            let (n, len) = number(&bytes[i + 2..], 16, 2)?;
            (Kind::Number(n), len)
        } else if c == b'%' {
            let (n, len) = number(&bytes[i + 1..], 2, 1)?;
            (Kind::Number(n), len)
        } else if c.is_ascii_digit() {
            let (n, len) = number(&bytes[i..], 10, 0)?;
            (Kind::Number(n), len)
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'@' || c == b'.' {
            let len = bytes[i..].iter().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'@' | b'.' | b':')).count();
            (Kind::Name, len)
        } else if let Some(p) = PUNCTS.iter().find(|p| src[i..].starts_with(**p)) {
            (Kind::Punct(p), p.len())
        } else {
            let ch = src[i..].chars().next().unwrap_or('?');
            return Err(ExprError { at: i, message: format!("'{ch}' is not part of the expression language") });
        };
        tokens.push(Token { kind, at: start, len });
        i += len;
    }
    Ok(tokens)
}

struct Parser<'a> {
    src: &'a str,
    tokens: &'a [Token],
    next: usize,
    out: Vec<Op>,
    label: &'a dyn Fn(&str) -> Option<u16>,
    end: usize,
}

impl Parser<'_> {
    fn peek_punct(&self) -> Option<&'static str> {
        match self.tokens.get(self.next) {
            Some(Token { kind: Kind::Punct(p), .. }) => Some(p),
            _ => None,
        }
    }

    fn eat(&mut self, punct: &str) -> bool {
        if self.peek_punct() == Some(punct) {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn here(&self) -> usize {
        self.tokens.get(self.next).map_or(self.end, |t| t.at)
    }

    /// One level of left-associative binary operators.
    fn binary(&mut self, ops: &[(&str, Op)], next: fn(&mut Self) -> Result<(), ExprError>) -> Result<(), ExprError> {
        next(self)?;
        'outer: loop {
            for &(text, op) in ops {
                if self.eat(text) {
                    next(self)?;
                    self.out.push(op);
                    continue 'outer;
                }
            }
            return Ok(());
        }
    }

    fn or(&mut self) -> Result<(), ExprError> {
        self.binary(&[("||", Op::Or)], Self::and)
    }

    fn and(&mut self) -> Result<(), ExprError> {
        self.binary(&[("&&", Op::And)], Self::compare)
    }

    fn compare(&mut self) -> Result<(), ExprError> {
        let ops = [("==", Op::Eq), ("!=", Op::Ne), ("<=", Op::Le), (">=", Op::Ge), ("<", Op::Lt), (">", Op::Gt)];
        self.binary(&ops, Self::bit_or)
    }

    fn bit_or(&mut self) -> Result<(), ExprError> {
        self.binary(&[("|", Op::BitOr)], Self::bit_and)
    }

    fn bit_and(&mut self) -> Result<(), ExprError> {
        self.binary(&[("&", Op::BitAnd)], Self::sum)
    }

    fn sum(&mut self) -> Result<(), ExprError> {
        self.binary(&[("+", Op::Add), ("-", Op::Sub)], Self::unary)
    }

    fn unary(&mut self) -> Result<(), ExprError> {
        if self.eat("!") {
            self.unary()?;
            self.out.push(Op::Not);
        } else if self.eat("-") {
            self.unary()?;
            self.out.push(Op::Neg);
        } else {
            self.primary()?;
        }
        Ok(())
    }

    fn primary(&mut self) -> Result<(), ExprError> {
        let at = self.here();
        let Some(&token) = self.tokens.get(self.next) else {
            return Err(ExprError { at, message: "the expression ends where a value was expected".into() });
        };
        self.next += 1;
        match token.kind {
            Kind::Number(n) => self.out.push(Op::Const(n)),
            Kind::Name => {
                let name = token.text(self.src);
                if let Some(var) = Var::from_name(name) {
                    self.out.push(Op::Var(var));
                } else if let Some(addr) = (self.label)(name) {
                    self.out.push(Op::Const(i64::from(addr)));
                } else {
                    return Err(ExprError { at, message: format!("'{name}' is neither a register, a flag, a PPU counter nor a known label") });
                }
            }
            Kind::Punct("(") => {
                self.or()?;
                if !self.eat(")") {
                    return Err(ExprError { at: self.here(), message: "a '(' is not closed".into() });
                }
            }
            Kind::Punct("[") => {
                self.or()?;
                if !self.eat("]") {
                    return Err(ExprError { at: self.here(), message: "a '[' is not closed".into() });
                }
                self.out.push(Op::Peek);
            }
            Kind::Punct("{") => {
                self.or()?;
                if !self.eat("}") {
                    return Err(ExprError { at: self.here(), message: "a '{' is not closed".into() });
                }
                self.out.push(Op::PeekWord);
            }
            Kind::Punct(p) => return Err(ExprError { at, message: format!("'{p}' where a value was expected") }),
        }
        Ok(())
    }

}
