//! `nestml doc` documents every library neuron: the page names each parameter with its unit
//! and default, and the images it shows exist.

use std::path::Path;

use nestml_interp::{CodegenOptions, Interpreted};
use nestml_runtime::{DynNeuron, VariableKind};

use super::{write_page, Format};

/// Documents `file` (a library neuron) into a fresh folder and checks the page.
fn documents(file: &str, format: Format) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/nestml-models/neurons").join(file);
    let program = crate::model_file::load_neuron(&path, None, &CodegenOptions::default()).unwrap_or_else(|f| panic!("{}", f.0));
    let dir = std::env::temp_dir().join(format!("nestml-doc-{}-{}", std::process::id(), program.name()));
    let page = write_page(&program, &dir, format).unwrap_or_else(|f| panic!("{}", f.0));
    let text = std::fs::read_to_string(&page).unwrap();
    let neuron = Interpreted::new(program.clone());
    for (i, v) in program.variables().iter().enumerate().filter(|(_, v)| v.kind == VariableKind::Parameter && !v.vector) {
        let default = DynNeuron::get_value(&neuron, i, 0).unwrap().to_string();
        let row = text.lines().find(|l| l.starts_with(&format!("| `{}` |", v.name)) || l.starts_with(&format!("<tr><td><code>{}</code>", v.name)));
        let row = row.unwrap_or_else(|| panic!("{}: no row for parameter {}", program.name(), v.name));
        assert!(row.contains(&default), "{}: {} default {default} not in {row}", program.name(), v.name);
        if let Some(unit) = v.unit {
            assert!(row.contains(unit), "{}: {} unit {unit} not in {row}", program.name(), v.name);
        }
    }
    let images: Vec<&str> = text.match_indices(".svg").map(|(end, _)| {
        let start = text[..end].rfind(['(', '"']).map_or(0, |s| s + 1);
        &text[start..end + 4]
    }).collect();
    let has_spike_ports = program.ports().iter().any(|p| p.kind == nestml_runtime::PortKind::Spike);
    let expected = usize::from(has_spike_ports) + if super::experiments::CurrentInput::of(&program).is_some() { 2 } else { 0 };
    assert_eq!(images.len(), expected, "{}: images {images:?}", program.name());
    for image in images {
        let svg = std::fs::read_to_string(dir.join(image)).unwrap_or_else(|e| panic!("{image}: {e}"));
        assert!(svg.starts_with("<svg") && svg.contains("<polyline"), "{image}");
    }
    assert!(text.contains("Equations") || program.ir().odes.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

macro_rules! library {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            documents(concat!(stringify!($name), ".nestml"), Format::Md);
        }
    )*};
}

library!(
    aeif_cond_alpha_alt_neuron, aeif_cond_alpha_neuron, aeif_cond_exp_neuron, aeif_psc_alpha_neuron, aeif_psc_exp_neuron,
    hh_cond_exp_destexhe_neuron, hh_cond_exp_traub_neuron, hh_moto_5ht_neuron, hh_psc_alpha_neuron, hill_tononi_neuron,
    iaf_chxk_2008_neuron, iaf_cond_alpha_neuron, iaf_cond_beta_neuron, iaf_cond_exp_neuron, iaf_cond_exp_sfa_rr_neuron,
    iaf_psc_alpha_neuron, iaf_psc_delta_fixed_timestep_neuron, iaf_psc_delta_neuron, iaf_psc_exp_htum_neuron, iaf_psc_exp_neuron,
    ignore_and_fire_neuron, izhikevich_neuron, izhikevich_psc_alpha_neuron, mat2_psc_exp_neuron, terub_gpe_neuron,
    terub_stn_neuron, traub_cond_multisyn_neuron, traub_psc_alpha_neuron, wb_cond_exp_neuron, wb_cond_multisyn_neuron,
);

#[test]
fn html_pages_have_the_same_content() {
    documents("iaf_cond_exp_neuron.nestml", Format::Html);
}
