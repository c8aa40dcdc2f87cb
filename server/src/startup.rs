//! Builds the state, the router and the scheduler; serves until shutdown.
use crate::aws::Aws;
use crate::config::Config;
use crate::services::Services;
use crate::{db, http, jobs};
use app::domain::RoleArn;
use app::{shell, App};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;

/// Connects to Postgres (migrating it), prepares AWS clients and accounts.
pub async fn build_services(config: Config) -> anyhow_like::Result<Services> {
    let pool = db::connect(&config.database.url, config.database.max_connections)
        .await
        .map_err(|e| format!("cannot connect to the database (database.url): {e}"))?;
    db::MIGRATOR
        .run(&pool)
        .await
        .map_err(|e| format!("database migration failed: {e}"))?;
    let accounts: Vec<(String, String, bool)> = config
        .accounts
        .iter()
        .map(|a| (a.id.to_string(), a.name.clone(), a.enabled))
        .collect();
    let mut conn = pool.acquire().await.map_err(|e| e.to_string())?;
    db::accounts::upsert_from_config(&mut conn, &accounts)
        .await
        .map_err(|e| format!("cannot store accounts: {e}"))?;
    drop(conn);
    let aws = Aws::new(&config.aws).await;
    let mut config = config;
    if config.aws.hub_role_arn.is_none() {
        config.aws.hub_role_arn = detect_hub_role(&aws.hub_sts()).await;
    }
    let services = Services::new(pool, aws, Arc::new(config));
    services
        .load_access_rules()
        .await
        .map_err(|e| format!("cannot load the access rules: {e}"))?;
    Ok(services)
}

/// The role Latchkey runs as, when it runs as one and `aws.hub_role_arn`
/// does not name it, so that it is protected like the spoke role. Asked of
/// STS once at start-up; if STS does not answer in time the server still
/// starts, and says the hub is unprotected until it is named in config.
pub async fn detect_hub_role(sts: &aws_sdk_sts::Client) -> Option<RoleArn> {
    let ask = sts.get_caller_identity().send();
    match tokio::time::timeout(std::time::Duration::from_secs(10), ask).await {
        Ok(Ok(me)) => {
            let role = me
                .arn()
                .and_then(crate::services::protected::role_of_caller)
                .and_then(|arn| RoleArn::parse(&arn).ok());
            if let Some(r) = &role {
                tracing::info!(hub_role = %r, "Latchkey runs as this role; it is protected");
            }
            role
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %crate::aws::AwsError::from_sdk(e), "cannot tell which role Latchkey runs as; set aws.hub_role_arn to protect it");
            None
        }
        Err(_) => {
            tracing::warn!("STS did not say which role Latchkey runs as within 10 s; set aws.hub_role_arn to protect it");
            None
        }
    }
}

/// Each area's service, as the app's ports (pages and server functions
/// reach the server only through these).
pub fn ports(s: &Services) -> app::ports::Ports {
    use crate::services::*;
    app::ports::Ports {
        roles: Arc::new(roles::RoleService(s.clone())),
        requests: Arc::new(requests::RequestService(s.clone())),
        sessions: Arc::new(sessions::SessionService(s.clone())),
        inventory: Arc::new(inventory::InventoryService(s.clone())),
        sync: Arc::new(sync::SyncService::new(s.sync.clone())),
        tokens: Arc::new(tokens::TokenService(s.clone())),
        audit: Arc::new(audit::AuditService::new(s.pool.clone())),
        protection: Arc::new(credential_protection::ProtectionService(s.clone())),
        applications: Arc::new(applications::ApplicationService(s.clone())),
        access: Arc::new(access_rules::port::AccessService(s.clone())),
    }
}

/// The app's page routes, found once per process. Finding them runs the app
/// with every resource held back, and Leptos holds them back with one flag
/// for the whole process: a page rendering on another thread meanwhile
/// (a second server in the same process, as in the tests) would have its
/// resource wait forever. Found once, before any router exists to render a
/// page, that can never happen.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole HTTP surface: Leptos pages and server functions, plain APIs.
pub fn router(services: Services, mut leptos_options: LeptosOptions) -> Router {
    http::assets::use_hashed_names(&mut leptos_options);
    let routes = route_list();
    let ports = ports(&services);
    let csrf = std::sync::Arc::new(http::csrf::CsrfPolicy::from_config(&services.config));
    let mut api: Router<Services> = Router::new()
        .route("/healthz", get(http::health::healthz))
        .route("/readyz", get(http::health::readyz))
        .route("/api/v1/get_credentials", post(http::weep::get_credentials))
        .route("/api/v1/get_roles", get(http::weep_roles::get_roles))
        .route("/api/v2/get_roles", get(http::weep_roles::get_roles_v2))
        .route(
            "/api/v1/policies/typeahead",
            get(http::weep_roles::typeahead),
        )
        .route(
            "/api/v2/get_resource_url",
            get(http::weep_roles::get_resource_url),
        )
        .route(
            "/cli/login",
            get(http::cli_login::page).post(http::cli_login::authorize),
        )
        .route("/api/v1/cli/token", post(http::cli_login::token))
        .route(
            "/noauth/v1/challenge_generator/{user}",
            get(http::weep_login::generate),
        )
        .route(
            "/noauth/v1/challenge_poller/{secret}",
            get(http::weep_login::poll),
        )
        .route(
            "/challenge_validator/{id}",
            get(http::weep_login::page).post(http::weep_login::approve),
        )
        .route("/ecs/{account}/{name}", get(http::weep::ecs_credentials))
        .route("/resources.csv", get(http::csv::export))
        .route("/metrics", get(http::metrics::metrics))
        .route("/role/{*rest}", get(http::console::signin))
        .route("/api/v2/role_login/{*rest}", get(http::console::role_login))
        .route("/api/openapi.json", get(http::api_v2::openapi))
        .route("/api/v2/roles/{account}/{role}", get(http::api_v2::role))
        .route("/api/v2/policies", get(http::api_v2::policies))
        .route("/api/v2/requests", get(http::api_v2::requests))
        .route("/api/v2/requests/{id}", get(http::api_v2::request))
        .route("/api/v2/request", post(http::api_v2::create_request));
    if services.oidc.is_some() {
        api = api
            .route("/auth/oidc/login", get(http::oidc::login))
            .route("/auth/oidc/callback", get(http::oidc::callback));
    }
    if services.config.auth.dev_mode {
        api = api.route("/dev/federation", get(http::federation_stub::federation));
    }
    let api: Router<LeptosOptions> = api.with_state(services.clone());
    Router::new()
        .leptos_routes_with_context(
            &leptos_options,
            routes,
            move || provide_context(ports.clone()),
            {
                let opts = leptos_options.clone();
                move || shell(opts.clone())
            },
        )
        // Only the Leptos routes (pages and server functions), not the API.
        .route_layer(axum::middleware::from_fn(http::pages_need_sign_in))
        .route_layer(axum::middleware::from_fn_with_state(
            http::PageGate::new(
                services.config.server.page_concurrency,
                std::time::Duration::from_secs(services.config.server.render_timeout_secs),
            ),
            http::whole_pages,
        ))
        .merge(api)
        .nest_service(
            "/pkg",
            tower::ServiceBuilder::new()
                .layer(axum::middleware::from_fn(http::assets::pkg_cache_headers))
                .service(http::assets::pkg_dir(&leptos_options)),
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(axum::middleware::from_fn_with_state(
            services,
            http::session_layer,
        ))
        // Refuse cross-origin cookie-authenticated writes before anything else;
        // only the timing layer wraps it, so its figure covers every layer.
        .layer(axum::middleware::from_fn_with_state(
            csrf,
            http::csrf::csrf_layer,
        ))
        .layer(axum::middleware::from_fn(http::limits::body_limits))
        .layer(http::assets::compression())
        .layer(axum::middleware::from_fn(http::headers::security_headers))
        .layer(axum::middleware::from_fn(http::timing::server_timing_layer))
        // Outermost: every layer's log lines and errors carry the request id.
        .layer(axum::middleware::from_fn(
            http::request_id::request_id_layer,
        ))
        .with_state(leptos_options)
}

/// Serves until Ctrl-C / SIGTERM, syncing at start-up and on schedule.
pub async fn serve(config: Config) -> anyhow_like::Result<()> {
    serve_with(config, crate::plugins::Plugins::default()).await
}

/// [`serve`] with a private build's plugins.
pub async fn serve_with(
    config: Config,
    plugins: crate::plugins::Plugins,
) -> anyhow_like::Result<()> {
    let leptos_conf = leptos_config::get_configuration(Some(&config.server.leptos_config))
        .map_err(|e| format!("cannot read {}: {e}", config.server.leptos_config))?;
    let mut leptos_options = leptos_conf.leptos_options;
    if let Some(listen) = config.server.listen {
        leptos_options.site_addr = listen;
    }
    let addr = leptos_options.site_addr;
    let on_start = config.sync.on_start;
    for t in &plugins.scheduled_tasks {
        crate::config::Cron::parse(t.schedule()).map_err(|e| {
            format!(
                "plugin task {}: bad schedule {:?}: {e}",
                t.name(),
                t.schedule()
            )
        })?;
    }
    let services = build_services(config).await?.with_plugins(plugins);
    services.start_background();
    jobs::denials::start_queue(&services);
    if on_start {
        let s = services.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            crate::services::sync::accounts::discover_all(
                &s,
                crate::services::sync::engine::Trigger::Startup,
            )
            .await;
            let r = crate::services::sync::engine::sync_all(
                &s,
                crate::services::sync::engine::Trigger::Startup,
            )
            .await;
            // Read the freshly synced cache now rather than at the first search.
            s.search_gate.index().request_rebuild(&s.pool);
            tracing::info!(
                runs = r.len(),
                failed = r.iter().filter(|x| x.2.is_err()).count(),
                ms = started.elapsed().as_millis() as u64,
                "start-up sync finished"
            );
        });
    }
    let mut scheduler = jobs::scheduler::start(services.clone())
        .await
        .map_err(|e| format!("cannot start the scheduler: {e}"))?;
    let app = router(services, leptos_options);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!("Latchkey listening on http://{addr}");
    axum::serve(
        without_nagle(listener),
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| format!("server error: {e}"))?;
    let _ = scheduler.shutdown().await;
    Ok(())
}

/// `listener` with `TCP_NODELAY` on every accepted connection. A streamed
/// page is written in several small pieces (the shell, then each resolved
/// `Suspense`); with Nagle's algorithm the kernel holds each small piece
/// until the previous one is acknowledged, and the browser delays that
/// acknowledgement by up to 40 ms: every page took ~44 ms whatever its work.
pub fn without_nagle(
    listener: tokio::net::TcpListener,
) -> axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)> {
    use axum::serve::ListenerExt as _;
    listener.tap_io(set_nodelay as fn(&mut tokio::net::TcpStream))
}

fn set_nodelay(tcp: &mut tokio::net::TcpStream) {
    // A latency defect, not a reason to refuse the connection.
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Start-up errors are messages for the operator.
pub mod anyhow_like {
    pub type Result<T> = std::result::Result<T, String>;
}
