use super::*;

fn file(path: &str, models: &[(&str, &str, Option<usize>)]) -> GeneratedFile {
    GeneratedFile {
        path: PathBuf::from(path),
        source: String::new(),
        models: models.iter().map(|(n, t, w)| GeneratedModel { name: n.to_string(), type_name: t.to_string(), connection_fields: *w }).collect(),
    }
}

fn nest_with(models: &[&str]) -> NestInstallation {
    NestInstallation { version: "3.10.0".into(), include_dir: PathBuf::new(), models: models.iter().map(|m| m.to_string()).collect() }
}

#[test]
fn a_model_named_like_a_nest_builtin_is_refused_with_the_suffix_as_hint() {
    let files = [file("stdp_synapse.nestml", &[("stdp_synapse", "StdpSynapse", Some(4))])];
    let err = check_names(&files, &nest_with(&["iaf_psc_exp", "stdp_synapse"])).unwrap_err().to_string();
    assert!(err.contains("`stdp_synapse`") && err.contains("built-in") && err.contains("--suffix _nestml"), "{err}");
    // a synapse also registers NAME_hpc and NAME_lbl
    let files = [file("x.nestml", &[("my_synapse", "MySynapse", Some(1))])];
    let err = check_names(&files, &nest_with(&["my_synapse_lbl"])).unwrap_err().to_string();
    assert!(err.contains("my_synapse_lbl"), "{err}");
    let ok = check_names(&[file("a.nestml", &[("iaf_psc_exp_neuron", "IafPscExpNeuron", None)])], &nest_with(&["iaf_psc_exp"])).unwrap();
    assert_eq!(ok, vec![ModuleModel { name: "iaf_psc_exp_neuron".into(), synapse: false }]);
}

#[test]
fn a_model_defined_in_two_files_is_refused_naming_both() {
    let files = [file("a.nestml", &[("m_neuron", "MNeuron", None)]), file("b.nestml", &[("m_neuron", "MNeuron", None)])];
    let err = check_names(&files, &nest_with(&[])).unwrap_err().to_string();
    assert!(err.contains("a.nestml") && err.contains("b.nestml"), "{err}");
}

#[test]
fn the_registration_file_numbers_neurons_and_synapses_apart() {
    let files = [
        file("n.nestml", &[("a_neuron", "ANeuron", None)]),
        file("s.nestml", &[("s_synapse", "SSynapse", Some(4)), ("b_neuron", "BNeuron", None)]),
    ];
    let cpp = sources::module_cpp("demo", &files);
    for line in [
        "class demomodule : public nest::NESTExtensionInterface",
        "demomodule demomodule_LTX_module;",
        "nest::register_node_model< nestml_nest::NeuronModel< 0 > >( \"a_neuron\" );",
        "nest::register_node_model< nestml_nest::NeuronModel< 1 > >( \"b_neuron\" );",
        "using synapse_0 = nestml_nest::Synapse< T, 0, 4 >;",
        "nestml_nest::check_layout( &nestml_module_synapses[ 0 ], 4 );",
        "nest::register_connection_model< synapse_0 >( \"s_synapse\" );",
    ] {
        assert!(cpp.contains(line), "missing `{line}` in\n{cpp}");
    }
}

#[test]
fn the_crate_exports_one_table_per_model_and_checks_each_connection_size() {
    let dir = std::env::temp_dir().join(format!("nestml-nest-test-{}", std::process::id()));
    let files = [file("n.nestml", &[("a_neuron", "ANeuron", None)]), file("s.nestml", &[("s_synapse", "SSynapse", Some(3))])];
    let lib = sources::write_crate(&dir, "demo", &files).unwrap();
    assert_eq!(lib, "nestml_module_demo");
    let text = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    assert!(text.contains("pub static nestml_module_neurons: [::nestml::nest_ffi::NeuronVTable; 1]"));
    assert!(text.contains("::nestml::nest_ffi::NeuronVTable::of::<m0::ANeuron>()"));
    assert!(text.contains("::nestml::nest_ffi::SynapseVTable::of::<m1::SSynapse>()"));
    assert!(text.contains("size_of::<::nestml::nest_ffi::NestConnection<m1::SSynapse>>() <= 24"));
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("crate-type = [\"staticlib\"]") && manifest.contains("package = \"nestml-runtime\""));
    // an unchanged crate is not rewritten (cargo then has nothing to do)
    let before = std::fs::metadata(dir.join("src/lib.rs")).unwrap().modified().unwrap();
    sources::write_crate(&dir, "demo", &files).unwrap();
    assert_eq!(std::fs::metadata(dir.join("src/lib.rs")).unwrap().modified().unwrap(), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn model_files_walks_folders_in_order_and_reports_missing_paths() {
    let dir = std::env::temp_dir().join(format!("nestml-nest-files-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    for f in ["b.nestml", "a.nestml", "sub/c.nestml", "notes.txt"] {
        std::fs::write(dir.join(f), "").unwrap();
    }
    let files = model_files(&[dir.clone()]).unwrap();
    let names: Vec<String> = files.iter().map(|p| p.strip_prefix(&dir).unwrap().display().to_string()).collect();
    assert_eq!(names, ["a.nestml", "b.nestml", "sub/c.nestml"]);
    assert!(model_files(&[dir.join("missing.nestml")]).unwrap_err().to_string().contains("missing.nestml"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_module_name_is_refused_before_anything_is_built() {
    let spec = ModuleSpec::new("my-module", vec![], Path::new("/nonexistent"));
    assert!(build_module(&spec).unwrap_err().to_string().contains("module name"));
}
