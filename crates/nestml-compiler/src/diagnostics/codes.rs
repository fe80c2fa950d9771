//! The table of diagnostic codes, mirrored by `docs/diagnostics.md`.

macro_rules! codes {
    ($($code:ident => $summary:literal,)*) => {
        /// A stable diagnostic code; `E….` for errors, `W….` for warnings.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($code,)* }

        /// Every code with its one-line meaning, in table order.
        pub const CODES: &[(Code, &str)] = &[$((Code::$code, $summary),)*];

        impl Code {
            /// The code as written in diagnostics, e.g. `"E0101"`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code),)* }
            }
        }
    };
}

codes! {
    E0001 => "invalid character in the source",
    E0002 => "unterminated string literal",
    E0003 => "syntax error: unexpected token",
    E0004 => "I/O error reading a model file",
    E0101 => "name not defined (variable, unit or port)",
    E0102 => "name declared more than once in the same scope",
    E0103 => "block defined more than once in a model",
    E0104 => "two models with the same name",
    E0105 => "function defined more than once",
    E0106 => "function name collides with the NEST namespace",
    E0107 => "variable used before its declaration, or in its own definition",
    E0108 => "function not defined",
    E0109 => "unknown physical unit in a type or after a number",
    E0201 => "operands of an operator have incompatible types or units",
    E0202 => "assigned or initial value (or `for` bound) has an incompatible type or unit",
    E0203 => "ODE right-hand side has a unit other than lhs unit / time",
    E0204 => "inline expression value has an incompatible unit",
    E0205 => "wrong number of arguments in a function call",
    E0206 => "argument has an incompatible type or unit",
    E0207 => "invariant (guard) is not boolean",
    E0208 => "condition (`if`, `elif`, `while`, `?:`) is not boolean",
    E0209 => "physical unit used as a value (write `1 mV`, not `mV`)",
    E0210 => "numerator of a unit type is a number other than 1",
    E0211 => "function does not end in `return`, or returns the wrong type",
    E0212 => "kernel has the wrong type",
    E0213 => "vector size in a declaration not a positive integer",
    E0214 => "vector variable used without index in a non-vector declaration",
    E0215 => "vector size must be a parameter or internal of integer type",
    E0216 => "vector input port size negative or not an integer constant",
    E0217 => "template-typed arguments of a predefined function are inconsistent",
    E0218 => "function without a return value used in an expression",
    E0219 => "delay of a delayed state variable `x(t - delay)` is not a time",
    E0301 => "state variable not initialised",
    E0302 => "ODE for a variable not declared in the state block",
    E0303 => "equation without a derivative on its left-hand side",
    E0304 => "ODE of order n needs the lower derivatives declared in state",
    E0305 => "inline expression without right-hand side",
    E0306 => "inline expression with more than one left-hand side",
    E0307 => "parameter assigned outside the parameters block",
    E0308 => "internal assigned outside the internals block",
    E0309 => "input port assigned to",
    E0310 => "inline expression assigned to",
    E0311 => "physical unit assigned to",
    E0312 => "synapse delay parameter assigned to",
    E0313 => "input port qualifier repeated or contradictory",
    E0314 => "output block declares no spike port but `emit_spike` is called",
    E0315 => "`emit_spike` arguments not allowed",
    E0401 => "`convolve` needs a kernel and a spike input port",
    E0402 => "`convolve` arguments must be plain names",
    E0403 => "kernel used outside `convolve`",
    E0404 => "`integrate_odes` argument is not a state variable (or is a derivative)",
    E0405 => "`onReceive` priorities missing, repeated or malformed",
    E0406 => "`onReceive` for something that is not a spike input port (NEST target only)",
    E0407 => "`resolution()` used in the equations block or in a function",
    E0408 => "`timestep()` used outside `update`",
    E0409 => "random function used outside update, onReceive or onCondition (NEST target only)",
    E0410 => "`delta` is not the whole right-hand side of a kernel with the single argument `t`",
    E0411 => "equations defined but `integrate_odes()` never called",
    E0412 => "a variable called: only a state variable with an ODE, as `x(t - delay)` in the equations block",
    E0413 => "argument of a delayed state variable not `t - delay` with `delay` a parameter or a literal",
    W0001 => "implicit conversion between a physical unit and a plain number",
    W0002 => "comparison or `?:` alternatives with incompatible units (PyNESTML only warns)",
    W0003 => "variable named like a unit shadows the unit",
    W0004 => "`resolution()`/`steps()` used: the model is tied to a fixed time step",
    W0005 => "inconsistent dedent: the line does not return to an enclosing indentation level",
    W0006 => "local variable hides a model variable of the same name",
    W0007 => "`return` before the end of its block: the statements after it never run",
    W0008 => "the same name twice in one declaration",
    W0009 => "`onCondition` condition is not boolean (PyNESTML does not check)",
    W0010 => "constant vector index outside the vector (PyNESTML does not check)",
    W0301 => "`neuron NAME:` or `synapse NAME:` (NESTML ≤ 7): NESTML 9 writes `model NAME:`",
    W0302 => "blocks closed by `end`, or `output: spike` on one line (NESTML ≤ 5): NESTML 9 closes blocks by indentation",
    W0303 => "`initial_values:` block (NESTML ≤ 3): NESTML 9 declares these variables in `state:`",
    W0304 => "`shape` (NESTML ≤ 3): NESTML 9 writes `kernel`",
    W0305 => "`function NAME TYPE = …` declaration (NESTML ≤ 3): NESTML 9 writes `inline` (equations) or an internal",
    W0306 => "spike input port with a unit `p pA <- spike` (NESTML ≤ 5): NESTML 9 writes `p <- spike` and scales its uses",
    W0307 => "`<- current` input port (NESTML ≤ 3): NESTML 9 writes `<- continuous`",
    W0308 => "attributes of the spike output `spike(weight real, delay ms)` (NESTML 8): NESTML 9 writes `spike`",
    W0309 => "`deliver_spike(w, d)` (NESTML 5-7) or `emit_spike(w, d)` (NESTML 8): NESTML 9 writes `emit_spike(w)`, the delay is the connection's",
    W0310 => "docstring `\"\"\"…\"\"\"` (NESTML ≤ 8): NESTML 9 has only `#` comments",
    W0311 => "physical unit standing alone in an expression (NESTML ≤ 8): NESTML 9 writes `1 ms`",
    W0312 => "synapse ODEs integrated implicitly (NESTML ≤ 7): NESTML 9 calls `integrate_odes()` in `update:`",
    W0313 => "`delta(t, tau)` with two arguments (NESTML ≤ 3): NESTML 9 writes `delta(t)`",
    W0314 => "state variable without initial value (NESTML ≤ 3 started it at zero): NESTML 9 writes `= 0`",
    W0315 => "internal assigned in statements (NESTML ≤ 5 allowed it): NESTML 9 declares it in `state:`",
    W0316 => "sign of inhibitory weights on a port depends on the release (NESTML ≤ 4: negative): `nestml migrate --from 4` for such files",
    W0317 => "`preReceive:` or `postReceive:` block of early synapse drafts: NESTML 9 writes `onReceive(PORT):` for the pre- or postsynaptic spike port",
}

impl Code {
    /// Whether the code reports a spelling of the older dialects (NESTML 2–8), W03xx.
    pub fn is_dialect(self) -> bool {
        self.as_str().starts_with("W03")
    }

    /// The one-line meaning of the code.
    pub fn summary(self) -> &'static str {
        CODES.iter().find(|(c, _)| *c == self).map(|(_, s)| *s).unwrap_or("")
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented table and this one list the same codes with the same meanings.
    #[test]
    fn table_matches_docs() {
        let doc = include_str!("../../../../docs/diagnostics.md");
        let documented: Vec<(String, String)> = doc
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.trim().trim_matches('|').split('|').map(str::trim).collect();
                let code = *cells.first()?;
                let is_code = code.len() == 5 && (code.starts_with('E') || code.starts_with('W'));
                (is_code && cells.len() >= 2).then(|| (code.to_string(), cells[1].to_string()))
            })
            .collect();
        let ours: Vec<(String, String)> = CODES.iter().map(|(c, s)| (c.as_str().to_string(), s.to_string())).collect();
        assert_eq!(documented, ours);
    }
}
