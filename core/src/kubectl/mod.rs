//! The kubectl layer shared by the browser console and the `fishbowl` command line:
//! argument parsing, the commands, and output formatted as real kubectl prints it.

pub mod describe;
pub mod printers;
