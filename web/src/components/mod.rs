//! One file per panel. Components receive data and callbacks as props; none of them touches the
//! simulation directly.

pub mod apply_output;
pub mod console;
pub mod header_stack;
pub mod lang_switch;
pub mod manifest_editor;
pub mod netfilter_hop;
pub mod object_list;
pub mod trace_panel;

pub use apply_output::ApplyOutput;
pub use console::ConsolePanel;
pub use lang_switch::LangSwitch;
pub use manifest_editor::ManifestEditor;
pub use object_list::ObjectList;
pub use trace_panel::TracePanel;
