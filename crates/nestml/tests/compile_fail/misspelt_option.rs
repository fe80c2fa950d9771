// A misspelt option: the error is underlined at the option's name and lists the options.
nestml::include_nestml!(numeric_solvr = "rk45", "../../../shared/nestml-models/neurons/iaf_psc_exp_neuron.nestml");

fn main() {}
