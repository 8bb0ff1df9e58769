# Holdpoint in a small image that runs as a non-root user:
#   docker build -t holdpoint --build-arg HOLDPOINT_COMMIT=$(git rev-parse --short=12 HEAD) .
#   docker run -d -p 127.0.0.1:8080:8080 -v holdpoint-data:/data \
#     -e HOLDPOINT_PUBLIC_URL=https://holdpoint.example.com holdpoint
# The database lives in the /data volume; everything else is read-only and can be replaced by a
# newer image (migrations run forward on start). deploy/docker-compose.yml adds Litestream.

# --- build: the release binary --------------------------------------------------------------
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# webauthn-rs (passkeys) links OpenSSL; the runtime image already has libssl3.
RUN apt-get update && apt-get install -y --no-install-recommends pkg-config libssl-dev \
    && rm -rf /var/lib/apt/lists/*
# The commit `holdpoint --version` names; the build has no .git to read it from.
ARG HOLDPOINT_COMMIT=""
ENV HOLDPOINT_COMMIT=${HOLDPOINT_COMMIT}
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
RUN cargo build --release --locked --bin holdpoint \
    && install -D -m 0755 target/release/holdpoint /out/holdpoint \
    && install -d -m 0700 /out/root/data

# --- busybox: a static wget for the health check (the runtime image has no shell) -----------
FROM busybox:1.36-musl AS busybox

# --- runtime: glibc and CA certificates, no shell, no package manager, user 65532 -------------
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=build /out/holdpoint /usr/local/bin/holdpoint
# COPY copies a directory's contents, not the directory: copying its parent keeps /data's 0700.
COPY --from=build --chown=65532:65532 /out/root/ /
COPY --from=busybox /bin/busybox /usr/local/bin/busybox
ENV HOLDPOINT_DATA_DIR=/data \
    HOLDPOINT_BIND=0.0.0.0:8080 \
    HOLDPOINT_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
# /readyz fails while the disk is full or once the database was found damaged.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/readyz"]
# SIGTERM: parked long-polls answer, requests in flight finish, exit within 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/holdpoint"]
CMD ["serve"]
