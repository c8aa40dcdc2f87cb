//! `latchkey` command line: serve | migrate | sync.
use crate::config::Config;
use clap::{Parser, Subcommand};
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
    /// Run the web server, the start-up sync and the scheduler (the default).
    Server,
    /// Apply database migrations and exit.
    Migrate,
    /// Sync every enabled account once and exit.
    Sync {
        /// Only this task (repeat for several); all of them when absent.
        #[arg(long = "task", value_name = "TASK", value_parser = ["iam", "s3", "sqs", "sns"])]
        tasks: Vec<String>,
    },
    /// Check the config against the world: database, AWS roles and
    /// permissions in every account, OIDC, console federation. One line per
    /// check with its fix; exits non-zero when any check fails.
    Doctor,
    /// Print the configuration reference (docs/config.md): every key, its
    /// type, default and environment variable, from the code.
    ConfigReference,
    /// Import a ConsoleMe config (its group_mapping, role tag keys and policy
    /// approvers) into the access rules as a new version, and exit.
    ImportConsoleme {
        /// ConsoleMe's dynamic config (the /config page's YAML) or a static
        /// config file with `dynamic_config:` inside.
        file: PathBuf,
        /// Show what would be imported; save nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// CLI: sign in through the browser and save the server URL and an API
    /// token for the commands below.
    Login {
        /// Latchkey's URL, e.g. https://latchkey.example.com
        #[arg(long)]
        server: String,
        /// Use this API token (from Settings) instead of the browser; `--token`
        /// alone reads it from standard input.
        #[arg(long, num_args = 0..=1, default_missing_value = "-")]
        token: Option<String>,
        /// Print the sign-in URL instead of opening a browser. The browser must
        /// run on this computer (it hands the answer to 127.0.0.1); over SSH
        /// without port forwarding, use --token.
        #[arg(long)]
        no_browser: bool,
    },
    /// CLI: list the roles you may use.
    #[command(visible_alias = "list")]
    Roles,
    /// CLI: print shell lines exporting credentials for ROLE (ARN, account/role or name).
    Export {
        role: String,
        #[arg(long, default_value = "bash")]
        shell: String,
        /// Then assume this role with them (repeat to chain further).
        #[arg(short = 'A', long = "assume", value_name = "ROLE_ARN")]
        chain: Vec<String>,
    },
    /// CLI: credentials for ROLE in the AWS `credential_process` format.
    CredentialProcess {
        role: String,
        #[arg(short = 'A', long = "assume", value_name = "ROLE_ARN")]
        chain: Vec<String>,
    },
    /// CLI: open the AWS console as ROLE in the browser.
    #[command(visible_alias = "open")]
    Console {
        role: String,
        #[arg(long)]
        region: Option<String>,
    },
    /// CLI: a local credential server: ECS provider for any of your roles
    /// (`/ecs/{role}`, and `/` for ROLE) and, for ROLE, EC2 instance metadata.
    Serve {
        role: Option<String>,
        #[arg(long, default_value_t = 9091)]
        port: u16,
        /// Answer metadata requests without an IMDSv2 session token too.
        #[arg(long)]
        allow_imdsv1: bool,
        #[arg(short = 'A', long = "assume", value_name = "ROLE_ARN")]
        chain: Vec<String>,
    },
    /// CLI: write ROLE's credentials as a profile of ~/.aws/credentials
    /// (AWS_SHARED_CREDENTIALS_FILE), renewed before expiry with --refresh.
    File {
        role: String,
        #[arg(long, default_value = "default")]
        profile: String,
        /// Keep running and renew the profile five minutes before it expires.
        #[arg(long)]
        refresh: bool,
        #[arg(short = 'A', long = "assume", value_name = "ROLE_ARN")]
        chain: Vec<String>,
    },
    /// CLI: a `credential_process` profile for every role you may use;
    /// printed, or put into ~/.aws/config (AWS_CONFIG_FILE) with --write.
    Setup {
        #[arg(long)]
        write: bool,
    },
    /// CLI: who AWS says the current credentials are (STS GetCallerIdentity).
    Whoami,
}

/// The `latchkey` command line with a build's plugins: what the stock
/// binary's `main` runs with `Plugins::default()`, and what a private build's
/// own `main` runs with its own (see `docs/plugins.md`).
pub async fn run(plugins: crate::plugins::Plugins) -> ExitCode {
    // Colours only on a terminal: a log file or journald gets plain text.
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                "info,aws_config=warn,aws_smithy_runtime=warn,sqlx=warn".into()
            }),
        )
        .init();
    let cli = Cli::parse();
    let client = match &cli.command {
        Some(Command::Login {
            server,
            token,
            no_browser,
        }) => {
            use crate::cli::login::{login, TokenSource};
            let source = match token.as_deref() {
                Some("-") => TokenSource::Stdin,
                Some(t) => TokenSource::Given(t.to_owned()),
                None => TokenSource::Browser { open: !no_browser },
            };
            Some(login(server, source).await)
        }
        Some(Command::Roles) => Some(crate::cli::roles().await),
        Some(Command::Export { role, shell, chain }) => {
            Some(crate::cli::commands::export(role, shell, chain).await)
        }
        Some(Command::CredentialProcess { role, chain }) => {
            Some(crate::cli::commands::credential_process(role, chain).await)
        }
        Some(Command::Console { role, region }) => {
            Some(crate::cli::commands::console(role, region.as_deref()))
        }
        Some(Command::Serve {
            role,
            port,
            allow_imdsv1,
            chain,
        }) => Some(
            crate::cli::local::serve(crate::cli::local::ServeOptions {
                role: role.clone(),
                port: *port,
                allow_imdsv1: *allow_imdsv1,
                chain: chain.clone(),
            })
            .await,
        ),
        Some(Command::File {
            role,
            profile,
            refresh,
            chain,
        }) => Some(crate::cli::files::file(role, profile, *refresh, chain).await),
        Some(Command::Setup { write }) => Some(crate::cli::files::setup(*write).await),
        Some(Command::Whoami) => Some(crate::cli::files::whoami().await),
        _ => None,
    };
    if let Some(r) = client {
        return match r {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("latchkey: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(Command::ConfigReference) = &cli.command {
        print!("{}", crate::config::reference::markdown());
        return ExitCode::SUCCESS;
    }
    let config = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("latchkey: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        None | Some(Command::Server) => crate::startup::serve_with(config, plugins).await,
        Some(Command::Migrate) => crate::startup::build_services(config).await.map(|_| {
            println!("migrations applied");
        }),
        Some(Command::Sync { tasks }) => match crate::startup::build_services(config).await {
            Ok(s) => {
                use crate::services::sync::engine::{sync_all_tasks_reporting, Task, Trigger};
                let chosen: Vec<Task> = Task::ALL
                    .into_iter()
                    .filter(|t| tasks.is_empty() || tasks.iter().any(|n| n == t.name()))
                    .collect();
                let mut failed = false;
                // Members of the configured organizations first, as the
                // server does at start-up: new accounts are synced too.
                let discovered = crate::services::sync::accounts::discover_all(
                    &s,
                    crate::services::sync::engine::Trigger::Manual,
                )
                .await;
                for (mgmt, r) in discovered {
                    match r {
                        Ok(Some(added)) => println!("accounts {mgmt}: {added} new"),
                        Ok(None) => println!("accounts {mgmt}: skipped (another run in progress)"),
                        Err(e) => {
                            failed = true;
                            println!("accounts {mgmt}: FAILED {e}");
                        }
                    }
                }
                // A bar on a terminal; plain lines into a file or a pipe.
                let bar = indicatif::ProgressBar::new(0).with_style(
                    indicatif::ProgressStyle::with_template(
                        "{bar:30.cyan/blue} {pos}/{len} runs  {elapsed}  {msg}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar.enable_steady_tick(std::time::Duration::from_millis(200));
                sync_all_tasks_reporting(&s, &chosen, Trigger::Manual, |total, (task, acct, r)| {
                    let task = task.name();
                    let line = match r {
                        Ok(Some(o)) => format!(
                            "{task} {acct}: {} items, {} changed, {} removed",
                            o.items, o.changed, o.removed
                        ),
                        Ok(None) => format!("{task} {acct}: skipped (another run in progress)"),
                        Err(e) => {
                            failed = true;
                            format!("{task} {acct}: FAILED {e}")
                        }
                    };
                    bar.set_length(total as u64);
                    bar.inc(1);
                    if bar.is_hidden() {
                        println!("{line}");
                    } else {
                        bar.set_message(format!("{task} {acct}"));
                        bar.println(line);
                    }
                })
                .await;
                bar.finish_and_clear();
                if failed {
                    Err("some accounts failed".into())
                } else {
                    Ok(())
                }
            }
            Err(e) => Err(e),
        },
        Some(Command::Doctor) => {
            let report = crate::doctor::run(&config).await;
            match report.failed() {
                0 => Ok(()),
                n => Err(format!("{n} check(s) failed")),
            }
        }
        Some(Command::ImportConsoleme { file, dry_run }) => match std::fs::read_to_string(&file) {
            Err(e) => Err(format!("cannot read {}: {e}", file.display())),
            Ok(yaml) => match crate::startup::build_services(config).await {
                Ok(s) => {
                    let path = file.display().to_string();
                    crate::services::access_rules::import::run(&s, &path, &yaml, dry_run)
                        .await
                        .map(|report| print!("{report}"))
                }
                Err(e) => Err(e),
            },
        },
        // Client commands were handled above.
        Some(_) => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("latchkey: {e}");
            ExitCode::FAILURE
        }
    }
}
