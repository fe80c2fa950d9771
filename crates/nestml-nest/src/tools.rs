//! cargo and g++, as a module build runs them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::nest::{fnv1a, NestInstallation};
use crate::sources::write_if_changed;
use crate::{io, BuildError};

/// The model-independent C++ of every module.
const SHIM_HEADER: &str = include_str!("../cpp/nestml_nest.h");
const SHIM_SOURCE: &str = include_str!("../cpp/nestml_nest.cpp");

/// Flags for pip's NEST 3.10 (design.md §9): its wheel uses the old libstdc++ string ABI and
/// OpenMP (NEST's headers register connection models in `omp parallel` regions).
const CXXFLAGS: &[&str] = &["-std=c++20", "-O2", "-fPIC", "-fopenmp", "-D_GLIBCXX_USE_CXX11_ABI=0", "-DHAVE_LIBLTDL", "-w"];

/// Flags a NEST other than pip's needs, from `$NESTML_CXXFLAGS` (appended, so they win): a NEST
/// built from source uses the new string ABI (`-D_GLIBCXX_USE_CXX11_ABI=1`), an MPI build needs
/// MPI's include flags (`mpicxx --showme:compile`).
fn extra_flags() -> Vec<String> {
    std::env::var("NESTML_CXXFLAGS").map(|f| f.split_whitespace().map(str::to_string).collect()).unwrap_or_default()
}

fn run(mut cmd: Command, hint: impl Fn(&str) -> Option<String>) -> Result<(), BuildError> {
    let command = format!("{cmd:?}").replace('"', "");
    let out = cmd.output().map_err(|e| BuildError::Tool { command: command.clone(), output: e.to_string(), hint: None })?;
    if out.status.success() {
        return Ok(());
    }
    let output = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let hint = hint(&output);
    Err(BuildError::Tool { command, output, hint })
}

/// `cargo build --release` of the module's crate; returns the static library.
pub fn cargo_build(crate_dir: &Path, target_dir: &Path, lib: &str) -> Result<PathBuf, BuildError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("build").arg("--release").arg("--quiet").arg("--manifest-path").arg(crate_dir.join("Cargo.toml")).arg("--target-dir").arg(target_dir);
    // a build script's or test's cargo settings must not leak into this separate build
    for var in ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_PROFILE_RELEASE_DEBUG"] {
        cmd.env_remove(var);
    }
    run(cmd, |_| None)?;
    Ok(target_dir.join("release").join(format!("lib{lib}.a")))
}

fn gxx() -> String {
    std::env::var("CXX").unwrap_or_else(|_| "g++".into())
}

/// What to install when NEST's headers do not compile.
fn header_hint(output: &str) -> Option<String> {
    let missing = ["boost/", "gsl/", "ltdl.h"].iter().any(|h| output.contains(h) && output.contains("No such file"));
    missing.then(|| "NEST's headers need system headers: apt-get install libboost-dev libgsl-dev libltdl-dev".to_string())
}

/// Runs `cmd` writing `out` through a temporary file, so that an interrupted build leaves no
/// half-written cache entry.
fn produce(mut cmd: Command, out: &Path) -> Result<(), BuildError> {
    let tmp = out.with_extension("tmp");
    cmd.arg("-o").arg(&tmp);
    run(cmd, header_hint)?;
    std::fs::rename(&tmp, out).map_err(io("rename", &tmp))
}

/// Compiles the module's registration file and links the module. The shared classes and NEST's
/// headers depend only on their source, the flags and NEST: they are compiled once, into a cache
/// folder keyed on those (`nestml_nest.o`, and `nestml_nest.h.gch`, the precompiled header that
/// g++ takes instead of parsing NEST's headers for every module: 5.1 → 2.9 s for a module of one
/// neuron, measured; a synapse's time goes into instantiating NEST's connection templates).
pub fn compile_module(nest: &NestInstallation, cache_dir: &Path, module_cpp: &Path, staticlib: &Path, out: &Path) -> Result<(), BuildError> {
    let extra = extra_flags();
    let key = fnv1a(format!("{SHIM_HEADER}{SHIM_SOURCE}{CXXFLAGS:?}{extra:?}{}{}{}", nest.include_dir.display(), nest.version, gxx()).as_bytes());
    let shim_dir = cache_dir.join("cpp").join(format!("{key:016x}"));
    write_if_changed(&shim_dir.join("nestml_nest.h"), SHIM_HEADER)?;
    write_if_changed(&shim_dir.join("nestml_nest.cpp"), SHIM_SOURCE)?;
    let compiler = || {
        let mut cmd = Command::new(gxx());
        cmd.args(CXXFLAGS).args(&extra).arg("-I").arg(&shim_dir).arg("-I").arg(&nest.include_dir);
        cmd
    };
    let (pch, shim_obj) = (shim_dir.join("nestml_nest.h.gch"), shim_dir.join("nestml_nest.o"));
    if !pch.is_file() {
        let mut cmd = compiler();
        cmd.arg("-x").arg("c++-header").arg(shim_dir.join("nestml_nest.h"));
        produce(cmd, &pch)?;
    }
    if !shim_obj.is_file() {
        let mut cmd = compiler();
        cmd.arg("-c").arg(shim_dir.join("nestml_nest.cpp"));
        produce(cmd, &shim_obj)?;
    }
    let mut cmd = compiler();
    cmd.arg("-shared").arg(module_cpp).arg(&shim_obj).arg(staticlib);
    cmd.args(["-Wl,--exclude-libs,ALL", "-Wl,--gc-sections", "-lpthread", "-ldl", "-lm"]);
    produce(cmd, out)
}
