//! Tests that belong to no single rule: the generated rule catalog and the rule coverage check,
//! the module graph of `src/` (no cycle, no long function), the DOT picture, the proptest strategies and `arbitrary` generators that the other tests rely
//! on, and the `validate_quote` example as a command-line tool.

mod builder;
mod dot;
mod finding_codes;
mod module_graph;
mod rule_catalog;
mod rule_coverage;
#[cfg(feature = "schemars")]
mod schemas;
mod strategies;
mod text_forms;
mod validate_quote_tool;
