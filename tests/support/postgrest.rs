//! A stand-in for Supabase's REST layer: the PostgREST request grammar this backend uses,
//! translated to SQL and run on a real PostgreSQL database as `service_role` (as Supabase does
//! with the service key). So the Supabase adapter is exercised on the wire format and on the
//! real schema, grants and functions. Not a full PostgREST: GET/POST/PATCH on tables, `select`
//! with aliases and many-to-one embedding, `eq|neq|is|gt|lt|gte|lte|in` filters, `order`,
//! `limit`, `offset`, `on_conflict` with `Prefer: resolution=merge-duplicates,return=representation`,
//! and `POST rpc/{function}` with named arguments.

// Errors are ready-made HTTP responses; boxing them would only add noise to a test server.
#![allow(clippy::result_large_err)]

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use sqlx::PgPool;

#[derive(Clone)]
struct Ctx {
    pool: PgPool,
    key: String,
}

/// Serves the stand-in on a loopback port; returns the Supabase project URL.
pub async fn start(pool: PgPool, service_key: &str) -> String {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new()
        .route("/rest/v1/{*path}", axum::routing::any(handle))
        .with_state(Ctx {
            pool,
            key: service_key.to_string(),
        });
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        axum::Json(json!({"code": code, "message": message.into(), "details": null, "hint": null})),
    )
        .into_response()
}

fn ident(s: &str) -> Result<&str, Response> {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        Ok(s)
    } else {
        Err(error(
            StatusCode::BAD_REQUEST,
            "PGRST100",
            format!("bad identifier {s:?}"),
        ))
    }
}

/// Splits on commas outside parentheses.
fn split_top(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth) = (Vec::new(), String::new(), 0);
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `select=` → SQL select list over table alias `t`.
fn select_list(select: &str) -> Result<String, Response> {
    let mut cols = Vec::new();
    for item in split_top(select) {
        let (alias, expr) = match item.split_once(':') {
            Some((a, e)) if !a.contains('(') => (Some(a.to_string()), e.to_string()),
            _ => (None, item.clone()),
        };
        if expr == "*" {
            cols.push("t.*".to_string());
        } else if let Some((table, inner)) = expr.strip_suffix(')').and_then(|e| e.split_once('('))
        {
            let table = ident(table)?;
            let fk = if let Some(stem) = table.strip_suffix("ies") {
                format!("{stem}y_id")
            } else {
                format!("{}_id", table.trim_end_matches('s'))
            };
            let inner_cols = split_top(inner)
                .iter()
                .map(|c| ident(c).map(|c| format!("e.{c}")))
                .collect::<Result<Vec<_>, _>>()?
                .join(", ");
            let name = alias.unwrap_or_else(|| table.to_string());
            cols.push(format!(
                "(SELECT row_to_json(x) FROM (SELECT {inner_cols} FROM public.{table} e WHERE e.id = t.{fk}) x) AS {}",
                ident(&name)?
            ));
        } else {
            let col = ident(&expr)?;
            cols.push(match alias {
                Some(a) => format!("t.{col} AS {}", ident(&a)?),
                None => format!("t.{col}"),
            });
        }
    }
    Ok(cols.join(", "))
}

struct Query {
    select: String,
    filters: Vec<(String, String)>,
    order: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
    on_conflict: Option<String>,
}

fn parse_query(raw: Option<String>) -> Result<Query, Response> {
    let url = reqwest::Url::parse(&format!("http://x/?{}", raw.unwrap_or_default())).unwrap();
    let mut q = Query {
        select: "*".into(),
        filters: vec![],
        order: None,
        limit: None,
        offset: None,
        on_conflict: None,
    };
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "select" => q.select = v.into_owned(),
            "order" => q.order = Some(v.into_owned()),
            "limit" => {
                q.limit = Some(
                    v.parse()
                        .map_err(|_| error(StatusCode::BAD_REQUEST, "PGRST100", "bad limit"))?,
                )
            }
            "offset" => {
                q.offset = Some(
                    v.parse()
                        .map_err(|_| error(StatusCode::BAD_REQUEST, "PGRST100", "bad offset"))?,
                )
            }
            "on_conflict" => q.on_conflict = Some(v.into_owned()),
            col => q.filters.push((ident(col)?.to_string(), v.into_owned())),
        }
    }
    Ok(q)
}

/// Filters → `WHERE` with bind values (all compared as text, as PostgREST coerces them).
fn where_clause(filters: &[(String, String)], binds: &mut Vec<String>) -> Result<String, Response> {
    let mut parts = vec!["true".to_string()];
    for (col, expr) in filters {
        let (op, val) = expr.split_once('.').ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "PGRST100",
                format!("bad filter {expr:?}"),
            )
        })?;
        let sql_op = match op {
            "eq" => "=",
            "neq" => "<>",
            "gt" => ">",
            "lt" => "<",
            "gte" => ">=",
            "lte" => "<=",
            "is" => {
                let v = match val {
                    "null" => "NULL",
                    "true" => "TRUE",
                    "false" => "FALSE",
                    _ => return Err(error(StatusCode::BAD_REQUEST, "PGRST100", "bad is. value")),
                };
                parts.push(format!("t.{col} IS {v}"));
                continue;
            }
            "in" => {
                let inner = val.trim_start_matches('(').trim_end_matches(')');
                let mut ph = Vec::new();
                for item in inner.split(',') {
                    binds.push(item.trim_matches('"').to_string());
                    ph.push(format!("${}", binds.len()));
                }
                parts.push(format!("t.{col}::text IN ({})", ph.join(", ")));
                continue;
            }
            _ => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "PGRST100",
                    format!("operator {op} not supported"),
                ))
            }
        };
        binds.push(val.to_string());
        parts.push(format!("t.{col}::text {sql_op} ${}", binds.len()));
    }
    Ok(parts.join(" AND "))
}

fn order_clause(order: &Option<String>) -> Result<String, Response> {
    let Some(o) = order else {
        return Ok(String::new());
    };
    let mut items = Vec::new();
    for part in o.split(',') {
        let mut bits = part.split('.');
        let col = ident(bits.next().unwrap_or(""))?;
        let dir = match bits.next() {
            None | Some("asc") => "ASC",
            Some("desc") => "DESC",
            Some(d) => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "PGRST100",
                    format!("bad order {d}"),
                ))
            }
        };
        items.push(format!("t.{col} {dir}"));
    }
    Ok(format!(" ORDER BY {}", items.join(", ")))
}

fn db_error(e: sqlx::Error) -> Response {
    match e.as_database_error() {
        Some(d) => {
            let code = d.code().map(|c| c.to_string()).unwrap_or_default();
            let status = match code.as_str() {
                "23505" | "23503" => StatusCode::CONFLICT,
                "P0002" => StatusCode::NOT_FOUND,
                "42501" => StatusCode::FORBIDDEN,
                _ => StatusCode::BAD_REQUEST,
            };
            error(status, &code, d.message())
        }
        None => error(StatusCode::INTERNAL_SERVER_ERROR, "PGRST000", e.to_string()),
    }
}

async fn run(
    ctx: &Ctx,
    sql: &str,
    binds: &[String],
    body: Option<&Value>,
) -> Result<Value, Response> {
    // Owned values only: sqlx's executor bounds are higher-ranked, and borrowed binds held
    // across the awaits below make the handler's future not `Send`.
    let pool = ctx.pool.clone();
    let (sql, binds, body) = (sql.to_string(), binds.to_vec(), body.cloned());
    tokio::spawn(async move {
        let mut tx = pool.begin().await?;
        sqlx::query("SET LOCAL ROLE service_role")
            .execute(&mut *tx)
            .await?;
        let mut q = sqlx::query_scalar::<_, Value>(&sql);
        for b in binds {
            q = q.bind(b);
        }
        if let Some(b) = body {
            q = q.bind(b);
        }
        let v = q.fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(v)
    })
    .await
    .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, "PGRST000", e.to_string()))?
    .map_err(db_error)
}

#[axum::debug_handler]
async fn handle(
    State(ctx): State<Ctx>,
    method: Method,
    Path(path): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle_inner(ctx, method, path, raw, headers, body).await {
        Ok(r) | Err(r) => r,
    }
}

async fn handle_inner(
    ctx: Ctx,
    method: Method,
    path: String,
    raw: Option<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Response> {
    let header = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    if header("apikey") != ctx.key || header("authorization") != format!("Bearer {}", ctx.key) {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "PGRST301",
            "Invalid API key",
        ));
    }
    let prefer = header("prefer");
    let body: Option<Value> = if body.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice(&body)
                .map_err(|e| error(StatusCode::BAD_REQUEST, "PGRST102", e.to_string()))?,
        )
    };

    if let Some(func) = path.strip_prefix("rpc/") {
        let func = ident(func)?;
        let args: Vec<(String, String)> = sqlx::query_as(
            "SELECT a.name, a.typ FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, \
             LATERAL unnest(p.proargnames, array(SELECT format_type(x, NULL) FROM unnest(p.proargtypes) x)) AS a(name, typ) \
             WHERE n.nspname = 'public' AND p.proname = $1",
        )
        .bind(func)
        .fetch_all(&ctx.pool)
        .await
        .map_err(db_error)?;
        if args.is_empty() {
            return Err(error(
                StatusCode::NOT_FOUND,
                "PGRST202",
                format!("function {func} not found"),
            ));
        }
        let named: Vec<String> = args
            .iter()
            .map(|(n, t)| {
                if t == "jsonb" || t == "json" {
                    format!("{n} => ($1::jsonb -> '{n}')::{t}")
                } else {
                    format!("{n} => ($1::jsonb ->> '{n}')::{t}")
                }
            })
            .collect();
        let sql = format!("SELECT to_jsonb(public.{func}({}))", named.join(", "));
        let v = run(&ctx, &sql, &[], Some(&body.unwrap_or(json!({})))).await?;
        return Ok((StatusCode::OK, axum::Json(v)).into_response());
    }

    let table = ident(&path)?.to_string();
    let q = parse_query(raw)?;
    let select = select_list(&q.select)?;
    let mut binds = Vec::new();
    let filter = where_clause(&q.filters, &mut binds)?;
    let wrap = |inner: &str, filter: &str, order: &str, limit: &str| {
        format!(
            "SELECT coalesce(json_agg(x), '[]'::json)::jsonb FROM (SELECT {select} FROM {inner} t WHERE {filter}{order}{limit}) x"
        )
    };
    let (status, sql, with_body) = match method {
        Method::GET => {
            let limit = q.limit.map(|l| format!(" LIMIT {l}")).unwrap_or_default()
                + &q.offset.map(|o| format!(" OFFSET {o}")).unwrap_or_default();
            (
                StatusCode::OK,
                wrap(
                    &format!("public.{table}"),
                    &filter,
                    &order_clause(&q.order)?,
                    &limit,
                ),
                false,
            )
        }
        Method::POST => {
            let rows = match body.clone() {
                Some(Value::Array(a)) => a,
                Some(o @ Value::Object(_)) => vec![o],
                _ => {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        "PGRST102",
                        "body must be an object or array",
                    ))
                }
            };
            let cols: Vec<String> = rows
                .first()
                .and_then(|r| r.as_object())
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            for c in &cols {
                ident(c)?;
            }
            let list = cols.join(", ");
            let mut sql = format!(
                "WITH w AS (INSERT INTO public.{table} AS t ({list}) SELECT {list} FROM jsonb_populate_recordset(NULL::public.{table}, ${}::jsonb)",
                binds.len() + 1
            );
            if prefer.contains("resolution=merge-duplicates") {
                let oc = q.on_conflict.clone().unwrap_or_else(|| "id".into());
                for c in oc.split(',') {
                    ident(c)?;
                }
                let sets: Vec<String> = cols
                    .iter()
                    .filter(|c| !oc.split(',').any(|k| k == c.as_str()))
                    .map(|c| format!("{c} = excluded.{c}"))
                    .collect();
                sql.push_str(&format!(
                    " ON CONFLICT ({oc}) DO UPDATE SET {}",
                    sets.join(", ")
                ));
            }
            sql.push_str(" RETURNING t.*) ");
            sql.push_str(&wrap("w", "true", "", ""));
            let body = Value::Array(rows);
            return respond(
                &ctx,
                &sql,
                &binds,
                Some(&body),
                StatusCode::CREATED,
                &prefer,
            )
            .await;
        }
        Method::PATCH => {
            let Some(Value::Object(o)) = body.clone() else {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "PGRST102",
                    "body must be an object",
                ));
            };
            let cols: Vec<String> = o.keys().cloned().collect();
            for c in &cols {
                ident(c)?;
            }
            let list = cols.join(", ");
            let sql = format!(
                "WITH w AS (UPDATE public.{table} AS t SET ({list}) = (SELECT {list} FROM jsonb_populate_record(NULL::public.{table}, ${}::jsonb)) WHERE {filter} RETURNING t.*) {}",
                binds.len() + 1,
                wrap("w", "true", "", "")
            );
            return respond(&ctx, &sql, &binds, body.as_ref(), StatusCode::OK, &prefer).await;
        }
        _ => {
            return Err(error(
                StatusCode::METHOD_NOT_ALLOWED,
                "PGRST000",
                "method not supported",
            ))
        }
    };
    let v = run(
        &ctx,
        &sql,
        &binds,
        if with_body { body.as_ref() } else { None },
    )
    .await?;
    Ok((status, axum::Json(v)).into_response())
}

async fn respond(
    ctx: &Ctx,
    sql: &str,
    binds: &[String],
    body: Option<&Value>,
    status: StatusCode,
    prefer: &str,
) -> Result<Response, Response> {
    let v = run(ctx, sql, binds, body).await?;
    if prefer.contains("return=representation") {
        Ok((status, axum::Json(v)).into_response())
    } else {
        Ok(status.into_response())
    }
}
