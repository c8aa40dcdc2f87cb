//! `latchkey` command line: serve | migrate | sync.
use clap::{Parser, Subcommand};
use latchkey::config::Config;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "latchkey",
    version,
    about = "Multi-account AWS access and permissions console"
)]
struct Cli {
    /// Config file (TOML); LATCHKEY__SECTION__KEY variables override it.
    #[arg(
        long,
        short,
        env = "LATCHKEY_CONFIG",
        default_value = "latchkey.toml",
        global = true
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server, the start-up sync and the scheduler (default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Sync every enabled account once and exit.
    Sync,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                "info,aws_config=warn,aws_smithy_runtime=warn,sqlx=warn".into()
            }),
        )
        .init();
    let cli = Cli::parse();
    let config = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("latchkey: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => latchkey::startup::serve(config).await,
        Command::Migrate => latchkey::startup::build_services(config).await.map(|_| {
            println!("migrations applied");
        }),
        Command::Sync => match latchkey::startup::build_services(config).await {
            Ok(s) => {
                let results =
                    latchkey::jobs::sync::sync_all(&s, latchkey::jobs::sync::Trigger::Manual).await;
                let mut failed = false;
                for (task, acct, r) in results {
                    let task = task.name();
                    match r {
                        Ok(Some(o)) => println!(
                            "{task} {acct}: {} items, {} changed, {} removed",
                            o.items, o.changed, o.removed
                        ),
                        Ok(None) => println!("{task} {acct}: skipped (another run in progress)"),
                        Err(e) => {
                            failed = true;
                            println!("{task} {acct}: FAILED {e}");
                        }
                    }
                }
                if failed {
                    Err("some accounts failed".into())
                } else {
                    Ok(())
                }
            }
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("latchkey: {e}");
            ExitCode::FAILURE
        }
    }
}
