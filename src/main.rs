//! The `zhenxing` binary: parse the command line, run, print the error once, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = zhenxing::cmd::Cli::parse();
    match zhenxing::cmd::run(cli) {
        Ok(code) => std::process::ExitCode::from(code as u8),
        Err(error) => {
            zhenxing::text::say_err(&format!("错误：{error}"));
            std::process::ExitCode::from(error.exit_code() as u8)
        }
    }
}
