# fixloop watch as a service: built in one stage, run in a slim one with what fixers and the
# pipeline call (git, Node.js for the agent CLIs, Python for ruff/black), as a user of its own,
# with its state (the SQLite database, clones, run folders) on the volume /var/lib/fixloop.
#
#   docker build -t fixloop .
#   docker run -v fixloop-state:/var/lib/fixloop -v "$PWD/fixloop.toml:/etc/fixloop/fixloop.toml:ro" \
#     -e GITHUB_TOKEN -e ANTHROPIC_API_KEY -p 8787:8787 fixloop

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin fixloop && strip target/release/fixloop

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git nodejs npm python3 python3-pip \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 fixloop \
 && mkdir -p /var/lib/fixloop /etc/fixloop \
 && chown fixloop:fixloop /var/lib/fixloop
COPY --from=build /src/target/release/fixloop /usr/local/bin/fixloop
USER fixloop
ENV XDG_STATE_HOME=/var/lib/fixloop
VOLUME ["/var/lib/fixloop"]
EXPOSE 8787
ENTRYPOINT ["fixloop", "watch", "--config", "/etc/fixloop/fixloop.toml", "--state", "/var/lib/fixloop/watch.db"]
CMD ["--listen", "0.0.0.0:8787"]
