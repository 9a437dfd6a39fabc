//! Ctrl-C (and SIGTERM, SIGHUP) without losing results.
//!
//! While verchain computes, an interrupt ends it at once: nothing has been
//! written. While it writes, the files go into a staging folder that then
//! takes the place of the old results in two renames; an interrupt between
//! those would leave neither. So an interrupt that arrives while files are
//! being written waits for the writing to finish (the folder then holds the
//! complete new results), and only then ends the run, with the exit code of
//! an interrupted command (130).

use std::process;
use std::sync::Mutex;

/// Exit code of a command ended by Ctrl-C: 128 + SIGINT.
const INTERRUPTED: i32 = 130;

/// `writing`: files are being written; `interrupted`: a signal came meanwhile.
struct State {
    writing: bool,
    interrupted: bool,
}

/// Held by the handler while it decides, so that it can never end the
/// process after `while_writing` has begun.
static STATE: Mutex<State> = Mutex::new(State {
    writing: false,
    interrupted: false,
});

/// Installs the handler. Failing to install it (another one exists) only
/// loses the deferral, so the error is ignored.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
        if !state.writing {
            process::exit(INTERRUPTED);
        }
        if !state.interrupted {
            eprintln!("interrupted: finishing the files being written, then stopping");
        }
        state.interrupted = true;
    });
}

/// Runs `write` with interrupts deferred until it returns; exits with 130
/// then if one came.
pub fn while_writing<T>(write: impl FnOnce() -> T) -> T {
    STATE.lock().unwrap_or_else(|e| e.into_inner()).writing = true;
    let result = write();
    let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
    state.writing = false;
    if state.interrupted {
        process::exit(INTERRUPTED);
    }
    result
}
