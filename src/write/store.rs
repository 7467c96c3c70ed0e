//! `--output s3://bucket/prefix` (feature `s3`): the dataset on S3-compatible storage.
//!
//! There is no atomic rename on S3, so a run builds its tables in a local stage folder, then:
//! uploads each part under `prefix/_fazhi-staging/<run>/…` (invisible to readers, as a name
//! starting with `_` is), copies it server-side to its final name, unique to the run and shard
//! (`prefix/<table>/[year=…/]part-I-of-N-<run>.parquet`), writes the manifest
//! (`prefix/manifest[-I-of-N].json`, listing those parts) last, and only then deletes the
//! previous run's parts and any parts of its shard no manifest lists (left by a killed run).
//! The manifests are the truth: readers that need a consistent view read the parts they list.

use std::path::Path;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use crate::write::incremental::PreviousRun;
use crate::write::output::{part_tag, Layout};
use crate::write::table_names;

/// Files larger than this are uploaded in parts.
const MULTIPART_BYTES: usize = 32 * 1024 * 1024;

pub struct S3Target {
    store: AmazonS3,
    prefix: String,
    runtime: tokio::runtime::Runtime,
}

impl S3Target {
    /// `rest` is `bucket/prefix` (from `s3://bucket/prefix`). Credentials come from the usual
    /// `AWS_*` variables; the endpoint from `endpoint`, else `AWS_ENDPOINT_URL`. Plain http is
    /// allowed (for a local server).
    pub fn open(rest: &str, endpoint: Option<&str>) -> Result<S3Target, String> {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err("s3:// URL without a bucket".into());
        }
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        let endpoint = endpoint
            .map(str::to_owned)
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
        if let Some(endpoint) = endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(true)
                .with_virtual_hosted_style_request(false);
        }
        if std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_err() {
            builder = builder.with_region("us-east-1");
        }
        let store = builder.build().map_err(|e| e.to_string())?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        Ok(S3Target {
            store,
            prefix: prefix.trim_matches('/').to_owned(),
            runtime,
        })
    }

    fn key(&self, rel: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(rel)
        } else {
            ObjectPath::from(format!("{}/{rel}", self.prefix))
        }
    }

    /// The object's bytes, or `None` if there is none.
    pub fn get(&self, rel: &str) -> Result<Option<Vec<u8>>, String> {
        let key = self.key(rel);
        self.runtime.block_on(async {
            match self.store.get(&key).await {
                Ok(got) => got
                    .bytes()
                    .await
                    .map(|b| Some(b.to_vec()))
                    .map_err(|e| e.to_string()),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(format!("{key}: {e}")),
            }
        })
    }

    /// Downloads an object to a local file.
    pub fn download(&self, rel: &str, to: &Path) -> Result<(), String> {
        let bytes = self
            .get(rel)?
            .ok_or_else(|| format!("{} is listed in the manifest but missing", self.key(rel)))?;
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(to, bytes).map_err(|e| format!("{}: {e}", to.display()))
    }

    fn put_file(&self, local: &Path, key: &ObjectPath) -> Result<(), String> {
        let bytes = std::fs::read(local).map_err(|e| format!("{}: {e}", local.display()))?;
        self.runtime.block_on(async {
            if bytes.len() <= MULTIPART_BYTES {
                self.store
                    .put(key, PutPayload::from(bytes))
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("{key}: {e}"))
            } else {
                let upload = self
                    .store
                    .put_multipart(key)
                    .await
                    .map_err(|e| format!("{key}: {e}"))?;
                let mut writer = WriteMultipart::new(upload);
                writer.write(&bytes);
                writer
                    .finish()
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("{key}: {e}"))
            }
        })
    }

    fn list(&self, rel: &str) -> Result<Vec<String>, String> {
        let prefix = self.key(rel);
        let base = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        self.runtime.block_on(async {
            let mut out = Vec::new();
            let mut stream = self.store.list(Some(&prefix));
            while let Some(meta) = futures_next(&mut stream).await {
                let meta = meta.map_err(|e| format!("{prefix}: {e}"))?;
                let key = meta.location.to_string();
                out.push(key.strip_prefix(&base).unwrap_or(&key).to_owned());
            }
            Ok(out)
        })
    }

    fn delete(&self, rel: &str) -> Result<(), String> {
        let key = self.key(rel);
        self.runtime.block_on(async {
            match self.store.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(format!("{key}: {e}")),
            }
        })
    }

    /// Publishes a run: staged uploads, copies to the final names, the manifest, clean-up.
    pub fn commit(
        &self,
        stage: &Path,
        parts: &[String],
        manifest: &str,
        previous: Option<&PreviousRun>,
        layout: &Layout,
        run: &str,
    ) -> Result<(), String> {
        let staging = format!("_fazhi-staging/{run}");
        for rel in parts {
            self.put_file(&stage.join(rel), &self.key(&format!("{staging}/{rel}")))?;
        }
        for rel in parts {
            let (from, to) = (self.key(&format!("{staging}/{rel}")), self.key(rel));
            self.runtime
                .block_on(self.store.copy(&from, &to))
                .map_err(|e| format!("{from} → {to}: {e}"))?;
        }
        self.put_file(&stage.join(manifest), &self.key(manifest))?;
        // Committed. Remove what no manifest of this shard lists any more.
        let keep: std::collections::HashSet<&str> = parts.iter().map(String::as_str).collect();
        let mut gone: Vec<String> = previous
            .map(|p| p.parts.values().flatten().cloned().collect())
            .unwrap_or_default();
        for table in table_names() {
            for rel in self.list(table)? {
                let name = rel.rsplit('/').next().unwrap_or(&rel);
                let ours = part_tag(name).is_some_and(|t| t == layout.tag()) || layout.owns(&rel);
                if ours {
                    gone.push(rel);
                }
            }
        }
        for rel in gone.iter().filter(|r| !keep.contains(r.as_str())) {
            self.delete(rel)?;
        }
        for rel in parts {
            self.delete(&format!("{staging}/{rel}"))?;
        }
        Ok(())
    }
}

/// The next item of a stream, without the `futures` crate.
async fn futures_next<S>(stream: &mut S) -> Option<S::Item>
where
    S: futures_core::Stream + Unpin,
{
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *stream).poll_next(cx)).await
}
