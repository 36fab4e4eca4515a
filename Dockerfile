# The EvoR service image. No SDK image is needed (none is available from a registry here): the app is published on the
# host as a self-contained linux-x64 build, which carries the .NET and ASP.NET Core runtimes, and copied onto the local
# Debian base (docker/base/build-base.sh). Build it with docker/build-service-image.sh, which publishes first.
#
# Trust: the service drives the Docker engine (Sandbox:Backend=docker) through DOCKER_HOST or a mounted
# /var/run/docker.sock. Whoever can use that socket is root on the host, so this container is as trusted as the host;
# generated code never runs in it (it runs in the sandbox containers the engine creates). See src/EvoR.Sandbox/README.md, "Security model".
ARG BASE=evor/debian:bookworm
FROM ${BASE}
ARG DEBIAN_FRONTEND=noninteractive
# .NET's cryptography (SHA-256 of API keys, content hashes, cassettes; RandomNumberGenerator for the test sentinel)
# loads OpenSSL at run time: without libssl3 the first request crashes the process ("No usable version of libssl was
# found", exit 139). ca-certificates for TLS to an LLM endpoint. No ICU: the build sets InvariantGlobalization.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends libssl3 ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
RUN groupadd --system --gid 10001 evor && useradd --system --uid 10001 --gid evor --home-dir /nonexistent --shell /usr/sbin/nologin evor \
    && mkdir -p /var/lib/evor && chown 10001:10001 /var/lib/evor
COPY artifacts/service/ /opt/evor/
# The Docker backend by default: a process sandbox (bubblewrap) cannot nest inside an unprivileged container.
# Everything the service keeps (jobs, knowledge bases, the embedding model cache) lands under Data:Root, a volume: the
# container itself may run read-only.
ENV Sandbox__Backend=docker \
    Data__Root=/var/lib/evor \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    ASPNETCORE_ENVIRONMENT=Production
VOLUME /var/lib/evor
USER 10001:10001
WORKDIR /opt/evor
ENTRYPOINT ["/opt/evor/EvoR.Api"]
