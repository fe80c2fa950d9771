//! Syntax: tokens, lexer, AST, parser and printer.

pub mod ast;
pub mod dialect;
pub mod lexer;
mod parser;
mod printer;
pub mod token;

pub use dialect::Dialect;
pub use parser::{parse, parse_data_type, parse_expression, parse_with, Parsed};
pub use printer::{data_type as print_data_type, expr as print_expr, print};
