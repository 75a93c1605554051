//! Writes a target's seeds into a folder, one file each, for libFuzzer to
//! start from: `seed <target> <folder>` (run by `fuzz/run`).

use std::{env, fs, path::PathBuf, process::ExitCode};

fn main() -> ExitCode {
    let mut args = env::args().skip(1);
    let (Some(target), Some(folder)) = (args.next(), args.next()) else {
        eprintln!("usage: seed <target> <folder>");
        return ExitCode::FAILURE;
    };
    let folder = PathBuf::from(folder);
    let written = fs::create_dir_all(&folder).and_then(|()| {
        warden_fuzz::seeds::of(&target)
            .iter()
            .enumerate()
            .try_for_each(|(index, seed)| fs::write(folder.join(format!("seed-{index:03}")), seed))
    });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot write the seeds of {target}: {error}");
            ExitCode::FAILURE
        }
    }
}
