//! Build facts for `zhenxing --version`: the commit the binary was built from and the build date
//! (UTC), so that an office can say exactly which build it runs. Outside a git checkout (a source
//! archive) the commit is `unknown`. Nothing else reads them: reports carry the crate version
//! only, so that the same input gives the same bytes whatever build made them.

use std::process::Command;

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    let commit = output("git", &["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    // `--no-optional-locks`: the status must not rewrite the index (which would look like a change).
    let dirty = output("git", &["--no-optional-locks", "status", "--porcelain", "--untracked-files=no"]).is_some();
    // ZHENXING_BUILD_EPOCH (seconds) makes the date reproducible when a release wants it. Not
    // SOURCE_DATE_EPOCH: the dependencies' C build scripts (cc-rs) rerun whenever that changes,
    // and most of polars with them, so each release would be a cold build of over an hour.
    let date = match std::env::var("ZHENXING_BUILD_EPOCH") {
        Ok(epoch) => output("date", &["-u", "-d", &format!("@{epoch}"), "+%Y-%m-%d"]),
        Err(_) => output("date", &["-u", "+%Y-%m-%d"]),
    }
    .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=ZHENXING_COMMIT={commit}{}", if dirty { "+改动" } else { "" });
    println!("cargo:rustc-env=ZHENXING_BUILD_DATE={date}");
    // Rebuilt when the checkout moves to another commit; never on every build.
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=ZHENXING_BUILD_EPOCH");
    if let Some(git_dir) = output("git", &["rev-parse", "--git-dir"]) {
        let git_dir = std::path::Path::new(&git_dir);
        let mut watched = vec![git_dir.join("HEAD"), git_dir.join("packed-refs")];
        // The branch HEAD names moves with each commit.
        if let Some(branch) =
            std::fs::read_to_string(git_dir.join("HEAD")).ok().and_then(|h| h.strip_prefix("ref: ").map(|r| r.trim().to_string()))
        {
            watched.push(git_dir.join(branch));
        }
        for path in watched.iter().filter(|p| p.exists()) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}
