//! The binary's own parts: argument parsing, error rendering, progress,
//! interrupts, the documents written for other tools, and problems as
//! records.

/// `print!` that ends the process with exit code 3 (an output that could not
/// be written) when stdout cannot take the text, as with `> /dev/full`,
/// where `print!` would panic.
macro_rules! print_out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(&format!($($arg)*))
    };
}

/// [`print_out`] with a line end.
macro_rules! println_out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(&format!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {print_out, println_out};

pub mod args;
pub mod check;
pub mod diagnostics;
pub mod fit;
pub mod generate;
pub mod inputs;
pub mod interrupt;
pub mod junit;
pub mod limits;
pub mod phases;
pub mod progress;
pub mod read;
pub mod records;
pub mod sensitivity;
pub mod sweep;

/// Writes `text` to stdout, or reports why it cannot and exits with code 3.
/// A run's files come after its table, through a staging folder, so an exit
/// here leaves earlier results as they were.
pub fn write_stdout(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        eprintln!("{:?}", miette::miette!("cannot write to stdout: {e}"));
        std::process::exit(3);
    }
}
