# syntax=docker/dockerfile:1
# The runtime image: the provisioner jar on a JRE, as a non-root user.
#   docker build -t provisioner .
#   docker run --env-file provisioner.env -p 8080:8080 provisioner                    # run, all components
#   docker run --env-file provisioner.env provisioner run --components cdc            # or one per container
#   docker run --env-file provisioner.env provisioner migrate                         # any other command
# JVM options: JAVA_TOOL_OPTIONS (read by the JVM itself).
# The OpenRouter simulator (for the compose demo) is not in the runtime jar; its image is the stage "simulator":
#   docker build --target simulator -t provisioner-simulator .

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -DskipTests -Dspotless.check.skip=true -pl provisioner-cli -am package

# built only for --target simulator: the demo's jar, which carries the simulator
FROM build AS build-dev
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -DskipTests -Dspotless.check.skip=true -pl provisioner-dev -am package

FROM eclipse-temurin:17-jre AS simulator
COPY --from=build-dev /src/provisioner-dev/target/provisioner-dev.jar /app/provisioner-dev.jar
USER 10001:10001
EXPOSE 8090
ENTRYPOINT ["java", "-jar", "/app/provisioner-dev.jar", "simulator"]
CMD ["--bind", "0.0.0.0", "--port", "8090"]

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 provisioner \
    && useradd --system --uid 10001 --gid provisioner --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin provisioner \
    && mkdir -p /app/state \
    && chown provisioner:provisioner /app/state
COPY --from=build /src/provisioner-cli/target/provisioner.jar /app/provisioner.jar
# inside a container /metrics and /health must listen on every interface to be published
ENV PROVISIONER_HTTP_BIND=0.0.0.0 \
    PROVISIONER_HTTP_PORT=8080 \
    PROVISIONER_STATE_DIR=/app/state
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
