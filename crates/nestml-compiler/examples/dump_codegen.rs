//! Prints the Rust source generated for a NESTML file (for inspecting codegen by hand):
//! `cargo run -p nestml-compiler --example dump_codegen -- FILE`.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: dump_codegen FILE.nestml");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match nestml_compiler::codegen::generate_source(&path, &text, &Default::default()) {
        Ok(s) => print!("{s}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
