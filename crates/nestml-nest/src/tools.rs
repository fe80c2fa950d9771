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

/// Compiles the module's registration file and the shared classes, and links the module.
pub fn compile_module(nest: &NestInstallation, cache_dir: &Path, module_cpp: &Path, staticlib: &Path, out: &Path) -> Result<(), BuildError> {
    let shim_dir = cache_dir.join("cpp");
    write_if_changed(&shim_dir.join("nestml_nest.h"), SHIM_HEADER)?;
    write_if_changed(&shim_dir.join("nestml_nest.cpp"), SHIM_SOURCE)?;
    let extra = extra_flags();
    let include = |cmd: &mut Command| {
        cmd.args(CXXFLAGS).args(&extra).arg("-I").arg(&shim_dir).arg("-I").arg(&nest.include_dir);
    };
    // the shared classes depend only on their source, the flags and NEST: compiled once
    let key = fnv1a(format!("{SHIM_HEADER}{SHIM_SOURCE}{CXXFLAGS:?}{extra:?}{}{}{}", nest.include_dir.display(), nest.version, gxx()).as_bytes());
    let shim_obj = shim_dir.join(format!("nestml_nest-{key:016x}.o"));
    if !shim_obj.is_file() {
        let tmp = shim_obj.with_extension("o.tmp");
        let mut cmd = Command::new(gxx());
        include(&mut cmd);
        cmd.arg("-c").arg(shim_dir.join("nestml_nest.cpp")).arg("-o").arg(&tmp);
        run(cmd, header_hint)?;
        std::fs::rename(&tmp, &shim_obj).map_err(io("rename", &tmp))?;
    }
    let tmp = out.with_extension("so.tmp");
    let mut cmd = Command::new(gxx());
    include(&mut cmd);
    cmd.arg("-shared").arg("-o").arg(&tmp).arg(module_cpp).arg(&shim_obj).arg(staticlib);
    cmd.args(["-Wl,--exclude-libs,ALL", "-Wl,--gc-sections", "-lpthread", "-ldl", "-lm"]);
    run(cmd, header_hint)?;
    std::fs::rename(&tmp, out).map_err(io("rename", &tmp))
}
