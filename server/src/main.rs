//! The stock `latchkey` binary: the CLI and server with the built-in
//! behaviour only. A private build writes its own `main` calling
//! `latchkey::run` with its plugins (docs/plugins.md).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    latchkey::run(latchkey::plugins::Plugins::default()).await
}
