//! The NEST a module is built for: found through a Python interpreter's `nest` package.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::BuildError;

/// A NEST installation (pip's wheel or a source build with Python bindings).
#[derive(Clone, Debug)]
pub struct NestInstallation {
    /// `nest.__version__`.
    pub version: String,
    /// The folder of NEST's headers (`nest_extension_interface.h`).
    pub include_dir: PathBuf,
    /// NEST's built-in node and synapse models, which a module must not redefine.
    pub models: Vec<String>,
}

/// Asks `python` where its `nest` package is, once per installation (the answer, with the
/// built-in model names, is cached in `cache_dir`).
pub fn find(python: &str, cache_dir: &Path) -> Result<NestInstallation, BuildError> {
    let locate = "import importlib.util as u, importlib.metadata as m\ns = u.find_spec('nest')\nprint(s.submodule_search_locations[0] if s else '')\nprint(m.version('nest-simulator') if s else '')";
    let out = run_python(python, locate)?;
    let mut lines = out.lines();
    let (dir, version) = (lines.next().unwrap_or("").trim().to_string(), lines.next().unwrap_or("").trim().to_string());
    if dir.is_empty() {
        return Err(BuildError::Nest(format!("`{python}` has no `nest` package\nhint: pip install nest-simulator==3.10.0 (in a venv), then pass that venv's python with --python")));
    }
    let include_dir = [Path::new(&dir).join("include").join("nest"), PathBuf::from(&dir).join("../../../../include/nest")]
        .into_iter()
        .find(|p| p.join("nest_extension_interface.h").is_file())
        .ok_or_else(|| BuildError::Nest(format!("NEST {version} at {dir} has no headers (nest_extension_interface.h); a NEST built from source needs its include folder installed")))?;
    if !version.starts_with("3.10") {
        return Err(BuildError::Nest(format!("NEST {version} at {dir}: modules are built for NEST 3.10 (pip install nest-simulator==3.10.0)")));
    }
    let key = format!("{:016x}", fnv1a(format!("{dir}\n{version}").as_bytes()));
    let cached = cache_dir.join(format!("nest-models-{key}.txt"));
    let models = match std::fs::read_to_string(&cached) {
        Ok(text) => text.lines().map(str::to_string).collect(),
        Err(_) => {
            let list = "import nest\nprint('\\n'.join(list(nest.node_models) + list(nest.synapse_models)))";
            let text = run_python(python, list)?;
            let _ = std::fs::write(&cached, &text);
            text.lines().map(str::to_string).collect()
        }
    };
    Ok(NestInstallation { version, include_dir: include_dir.canonicalize().unwrap_or(include_dir), models })
}

fn run_python(python: &str, script: &str) -> Result<String, BuildError> {
    let out = Command::new(python)
        .args(["-c", script])
        .env("PYNEST_QUIET", "1")
        .output()
        .map_err(|e| BuildError::Nest(format!("cannot run `{python}`: {e}\nhint: pass the Python of a venv with nest-simulator==3.10.0 with --python")))?;
    if !out.status.success() {
        return Err(BuildError::Nest(format!("`{python}` could not load NEST:\n{}", String::from_utf8_lossy(&out.stderr))));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// FNV-1a, for cache keys.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}
