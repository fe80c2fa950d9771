//! Prints the Rust source generated for a NESTML file (for inspecting codegen by hand):
//! `cargo run -p nestml-compiler --example dump_codegen -- [--uom-check] FILE`.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let uom_check = args.iter().any(|a| a == "--uom-check");
    let Some(path) = args.iter().find(|a| !a.starts_with("--")).cloned() else {
        eprintln!("usage: dump_codegen [--uom-check] FILE.nestml");
        std::process::exit(2);
    };
    let options = nestml_compiler::codegen::CodegenOptions { uom_check, ..Default::default() };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match nestml_compiler::codegen::generate_source(&path, &text, &options) {
        Ok(s) => print!("{s}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
