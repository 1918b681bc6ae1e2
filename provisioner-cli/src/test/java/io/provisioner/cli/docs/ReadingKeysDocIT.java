package io.provisioner.cli.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.events.Json;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.core.secret.Secret;
import io.provisioner.db.Database;
import io.provisioner.db.JdbcKeyStore;
import io.provisioner.db.Migrator;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.TestNames;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * docs/reading-keys.md's examples decrypt what {@link JdbcKeyStore} stored: its first {@code js} block run
 * with {@code node}, and its {@code java} block, which is {@link ReadKey} here.
 */
@ExtendWith(SharedInfra.class)
class ReadingKeysDocIT {

    private static final Path DOC = Path.of("..", "docs", "reading-keys.md");
    private static final String BASE64_KEY = randomKey();
    private static final List<Stored> STORED = new ArrayList<>();

    /** A key as the pipeline stored it. */
    private record Stored(OwnerRef owner, String secret, String encryptedKey) {}

    @BeforeAll
    static void storeKeysAsThePipelineDoes(Infra infra) throws Exception {
        String schema = TestNames.unique("docs");
        try (Connection c = infra.connect();
                Statement st = c.createStatement()) {
            st.execute("create schema " + schema);
            st.execute("create table " + schema + ".organizations (id text primary key)");
            st.execute("create table " + schema + ".teachers (id uuid primary key)");
        }
        ProvisionerConfig config = ProvisionerConfig.from(ConfigSource.load(
                Map.of(
                        "DATABASE_URL", infra.jdbcUrl(),
                        "DATABASE_USER", infra.dbUser(),
                        "DATABASE_PASSWORD", infra.dbPassword(),
                        "PROVISIONER_ENCRYPTION_KEY", BASE64_KEY),
                Optional.empty()));
        try (HikariDataSource ds = Database.open(config.requireDatabase(), schema, 2)) {
            Migrator.migrate(ds, schema);
            JdbcKeyStore store = new JdbcKeyStore(
                    ds,
                    schema,
                    config.requireCipher(),
                    Map.of("organization", schema + ".organizations", "teacher", schema + ".teachers"),
                    Clock.systemUTC());
            store(
                    ds,
                    schema,
                    store,
                    new OwnerRef("teacher", UUID.randomUUID().toString()),
                    "sk-or-v1-" + "ab12".repeat(16));
            store(ds, schema, store, new OwnerRef("organization", "école-\uD83C\uDF93-42"), "sk-or-v1-ünïcode-secret");
        } finally {
            try (Connection c = infra.connect();
                    Statement st = c.createStatement()) {
                st.execute("drop schema " + schema + " cascade");
            }
        }
    }

    @Test
    void javaScriptSnippetDecryptsStoredKeysAndRejectsAnotherOwner() throws Exception {
        ArrayNode cases = Json.MAPPER.createArrayNode();
        for (Stored s : STORED) {
            addCase(cases, s.encryptedKey(), s.owner());
        }
        Stored first = STORED.get(0);
        addCase(
                cases,
                first.encryptedKey(),
                new OwnerRef("teacher", UUID.randomUUID().toString()));

        JsonNode results = runNode(firstJsBlock(), cases);

        for (int i = 0; i < STORED.size(); i++) {
            assertThat(results.get(i).path("ok").asText(null))
                    .as("decryptKey for %s (%s)", STORED.get(i).owner(), results.get(i))
                    .isEqualTo(STORED.get(i).secret());
        }
        assertThat(results.get(STORED.size()).path("error").asText()).isEqualTo("OperationError");
    }

    @Test
    void javaExampleIsTheDocsAndDecryptsStoredKeys() throws Exception {
        String docJava = block(Files.readString(DOC), "java", 0);
        String source = Files.readString(Path.of("src/test/java/io/provisioner/cli/docs/ReadKey.java"));
        assertThat(withoutWhitespace(source.replaceFirst("package [^;]+;", "")))
                .as("ReadKey.java is the java block of docs/reading-keys.md")
                .isEqualTo(withoutWhitespace(docJava));

        for (Stored s : STORED) {
            assertThat(ReadKey.decryptKey(
                            s.encryptedKey(), s.owner().ownerType(), s.owner().ownerId(), BASE64_KEY))
                    .isEqualTo(s.secret());
        }
        Stored first = STORED.get(0);
        assertThatThrownBy(() -> ReadKey.decryptKey(
                        first.encryptedKey(), "organization", first.owner().ownerId(), BASE64_KEY))
                .isInstanceOf(AEADBadTagException.class);
    }

    private static void store(HikariDataSource ds, String schema, JdbcKeyStore store, OwnerRef owner, String secret)
            throws Exception {
        String table = owner.ownerType().equals("teacher") ? "teachers" : "organizations";
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("insert into " + schema + "." + table
                        + " (id) values (cast(? as " + (table.equals("teachers") ? "uuid" : "text") + "))")) {
            ps.setString(1, owner.ownerId());
            ps.executeUpdate();
        }
        String hash = "hash-" + UUID.randomUUID();
        KeyLimits limits = new KeyLimits(BigDecimal.TEN, LimitReset.DAILY);
        store.saveCreated(
                owner,
                new ApiKey(hash, owner.key(), "sk-or-v1-ab1...ab12", false, BigDecimal.TEN, LimitReset.DAILY, null),
                new Secret(secret),
                limits,
                1,
                null);
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "select encrypted_key from " + schema + ".ai_provider_keys where key_hash = ?")) {
            ps.setString(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                STORED.add(new Stored(owner, secret, rs.getString(1)));
            }
        }
    }

    private static void addCase(ArrayNode cases, String encryptedKey, OwnerRef owner) {
        cases.addObject()
                .put("encryptedKey", encryptedKey)
                .put("ownerType", owner.ownerType())
                .put("ownerId", owner.ownerId())
                .put("base64Key", BASE64_KEY);
    }

    private static String firstJsBlock() throws IOException {
        String js = block(Files.readString(DOC), "js", 0);
        assertThat(js).contains("async function decryptKey(encryptedKey, ownerType, ownerId, base64Key)");
        return js;
    }

    /** The n-th fenced block of a language, e.g. the first {@code ```js} block. */
    private static String block(String markdown, String language, int n) {
        Matcher m = Pattern.compile("(?m)^```" + Pattern.quote(language) + "\\s*\\n(.*?)^```", Pattern.DOTALL)
                .matcher(markdown);
        for (int i = 0; i <= n; i++) {
            if (!m.find()) {
                fail("docs/reading-keys.md has no %d. ```%s block", n + 1, language);
            }
        }
        return m.group(1);
    }

    private static JsonNode runNode(String snippet, ArrayNode cases) throws Exception {
        Path dir = Files.createTempDirectory("reading-keys");
        Path script = dir.resolve("decrypt.mjs");
        Path input = dir.resolve("cases.json");
        Files.writeString(input, Json.MAPPER.writeValueAsString(cases));
        Files.writeString(
                script,
                snippet + "\nimport { readFileSync } from \"node:fs\";\n"
                        + "const out = [];\n"
                        + "for (const c of JSON.parse(readFileSync(process.argv[2], \"utf8\"))) {\n"
                        + "  try { out.push({ ok: await decryptKey(c.encryptedKey, c.ownerType, c.ownerId, c.base64Key) }); }\n"
                        + "  catch (e) { out.push({ error: String(e && e.name) }); }\n"
                        + "}\n"
                        + "console.log(JSON.stringify(out));\n");
        Process node;
        try {
            node = new ProcessBuilder("node", script.toString(), input.toString())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            return fail("docs/reading-keys.md's JavaScript is tested with Node.js 18+, but `node` could not be"
                    + " started (is it on PATH?): " + e.getMessage());
        }
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("node finished").isTrue();
        assertThat(node.exitValue()).as("node failed:\n%s", output).isZero();
        return Json.MAPPER.readTree(output);
    }

    private static String withoutWhitespace(String s) {
        return s.replaceAll("\\s+", "");
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
