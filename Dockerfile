# The catalog service image: built with the Maven wrapper, run from Spring Boot's layered
# jar on a JRE as a non-root user.
#
#   docker build --network host -t catalog-service .   (or: docker compose up --build)
#
# Works with the classic builder as well as BuildKit (no RUN --mount). Debian/Ubuntu-based
# tags only.

# ---- build ---------------------------------------------------------------------------
FROM eclipse-temurin:17-jdk AS build
WORKDIR /workspace

# The wrapper, the Maven distribution it downloads and the project's dependencies and
# plugins go into a layer of their own: it is rebuilt only when pom.xml or the wrapper
# changes. go-offline cannot see every plugin dependency; what it misses is downloaded by
# the package step below, so its failure is tolerated.
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B -ntp dependency:go-offline || echo "dependency:go-offline failed; the package step downloads what is missing"

# The image is built from the main sources only (.dockerignore leaves src/test and
# src/checkstyle out): the tests and the source checks (formatting, import order) run in CI
# (./mvnw -B verify), not in every image build.
COPY src src
RUN ./mvnw -B -ntp -Dmaven.test.skip=true -Dspring-javaformat.validate.skip=true -Dcheckstyle.skip=true package \
	&& java -Djarmode=tools -jar target/catalog-service.jar extract --layers --launcher --destination extracted

# ---- run -----------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

# An unprivileged account without a shell or home; the application files stay owned by
# root, so the process cannot change its own code.
RUN groupadd --gid 10001 catalog \
	&& useradd --uid 10001 --gid catalog --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin catalog

WORKDIR /app

# Least to most frequently changed: a code change rebuilds only the thin last layer.
COPY --from=build /workspace/extracted/dependencies/ ./
COPY --from=build /workspace/extracted/spring-boot-loader/ ./
COPY --from=build /workspace/extracted/snapshot-dependencies/ ./
COPY --from=build /workspace/extracted/application/ ./

USER 10001:10001

# The heap follows the container's memory limit (60 % of it, the rest for metaspace, thread
# stacks, code cache and direct buffers, which hold the near cache: catalog.cache.
# near-cache-max-bytes, 64 MB by default); an OutOfMemoryError ends the process so that the
# orchestrator restarts it instead of leaving it half-working. Replace the whole variable
# to change these (docker run -e JAVA_TOOL_OPTIONS=...). What outlives one young collection is
# promoted at once (MaxTenuringThreshold=1) instead of being copied between survivor spaces up
# to fifteen times: young pauses half as long on two cores, a miss's slowest cases with them
# (README, "Young collections").
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60.0 -XX:MaxTenuringThreshold=1 -XX:+ExitOnOutOfMemoryError"

EXPOSE 8080

# /actuator/health answers 200 while the service can serve (Redis being down does not make
# it DOWN: the cache is optional) and 503 when it cannot, e.g. without PostgreSQL.
HEALTHCHECK --interval=10s --timeout=3s --start-period=90s --retries=3 \
	CMD curl -fsS -o /dev/null "http://127.0.0.1:${SERVER_PORT:-8080}/actuator/health" || exit 1

# Exec form: java is PID 1 and gets the SIGTERM of `docker stop` directly, so the graceful
# shutdown (server.shutdown=graceful) runs.
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
