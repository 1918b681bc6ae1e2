# The runtime image: the provisioner on a JRE, as a non-root user, on a read-only root filesystem.
#   docker build -t provisioner .          # Maven builds the jars inside eclipse-temurin:17-jdk, then the image
#   docker run --read-only --tmpfs /tmp -v provisioner-state:/app/state --env-file provisioner.env \
#       -p 8080:8080 provisioner                                                  # run, all components
#   docker run ... provisioner run --components cdc,sweep                         # or one per container
#   docker run ... provisioner migrate                                            # any other command
# Build arguments:
#   BASE_IMAGE   the JRE image it runs on (default eclipse-temurin:17-jre); it needs java, bash and useradd
#   BUILD_IMAGE  the JDK image Maven runs in (default eclipse-temurin:17-jdk)
#   JARS=context takes the jars `./mvnw package` made on this machine instead of building them here
#                (what `.ci/image-test` does: no image but BASE_IMAGE is then needed)
# JVM options: JAVA_TOOL_OPTIONS (read by the JVM itself). Secrets: OPENROUTER_PROVISIONING_KEY_FILE,
# DATABASE_PASSWORD_FILE, PROVISIONER_ENCRYPTION_KEY_FILE name files (e.g. mounted secrets).
# The OpenRouter simulator (for the compose demo) is not in the runtime jar; its image is the stage "simulator":
#   docker build --target simulator -t provisioner-simulator .
# No "# syntax=" line: the builder's own Dockerfile frontend is used, so that no image is pulled for it.
ARG BASE_IMAGE=eclipse-temurin:17-jre
ARG BUILD_IMAGE=eclipse-temurin:17-jdk
ARG JARS=build

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -DskipTests -Dspotless.check.skip=true -pl provisioner-cli -am package

# built only for --target simulator: the demo's jar, which carries the simulator
FROM build AS build-dev
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -DskipTests -Dspotless.check.skip=true -pl provisioner-dev -am package

# JARS=context: the same files, from the build context
FROM scratch AS context
COPY provisioner-cli/target/image/ /src/provisioner-cli/target/image/

FROM scratch AS context-dev
COPY provisioner-dev/target/provisioner-dev.jar /src/provisioner-dev/target/provisioner-dev.jar

FROM ${JARS} AS jars

FROM ${JARS}-dev AS jars-dev

FROM ${BASE_IMAGE} AS simulator
COPY --from=jars-dev /src/provisioner-dev/target/provisioner-dev.jar /app/provisioner-dev.jar
USER 10001:10001
EXPOSE 8090
ENTRYPOINT ["java", "-jar", "/app/provisioner-dev.jar", "simulator"]
CMD ["--bind", "0.0.0.0", "--port", "8090"]

FROM ${BASE_IMAGE}
RUN groupadd --system --gid 10001 provisioner \
    && useradd --system --uid 10001 --gid provisioner --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin provisioner \
    && mkdir -p /app/state \
    && chown provisioner:provisioner /app/state
# two layers: the libraries (about 45 MB, they change when a dependency does) and the project's own classes
# (about 1 MB, whose manifest names the first), so that a code change rebuilds and ships only the second
COPY --from=jars /src/provisioner-cli/target/image/lib/ /app/lib/
COPY --from=jars /src/provisioner-cli/target/image/provisioner.jar /app/provisioner.jar
# inside a container /metrics and /health must listen on every interface to be published; Kafka Streams'
# state goes to /app/state, a volume, so that the root filesystem can be read-only (/tmp: a tmpfs)
ENV PROVISIONER_HTTP_BIND=0.0.0.0 \
    PROVISIONER_HTTP_PORT=8080 \
    PROVISIONER_STATE_DIR=/app/state
VOLUME ["/app/state"]
USER 10001:10001
WORKDIR /app
EXPOSE 8080
# the JRE image has no curl; bash's /dev/tcp asks GET /health and wants the status line's 200
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PROVISIONER_HTTP_PORT:-8080} && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && read -r _ status _ <&3 && [ \"$status\" = 200 ]"]
# JVM settings for a container of 512 MiB (README, "Memory and start-up"): half of the limit for the heap, bounded
# metaspace and code cache, the serial collector (what the JVM picks below 2 CPUs or 1792 MiB anyway),
# smaller thread stacks, two malloc arenas instead of 8 per core, and an exit on OutOfMemoryError so the
# orchestrator restarts the container instead of a half-working process running on
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-XX:MaxMetaspaceSize=128m", "-XX:ReservedCodeCacheSize=64m", \
    "-XX:+UseSerialGC", "-Xss512k", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/provisioner.jar"]
CMD ["run"]
