// The path is not a string literal: the error is underlined at it.
nestml::include_nestml!(gsl_abs_error_tol = 1e-3, models::iaf);

fn main() {}
