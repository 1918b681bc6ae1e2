package io.provisioner.cli;

import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.db.Database;
import io.provisioner.db.JdbcKeyStore;
import io.provisioner.db.RotationResult;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code provisioner rotate-encryption-key}: re-encrypts every stored key under
 * {@code PROVISIONER_ENCRYPTION_KEY}, reading it with {@code PROVISIONER_ENCRYPTION_KEY_OLD}. Rows are
 * rewritten in small transactions while the pipeline runs; rows already under the new key are skipped,
 * so it can be run again after the old instances are gone.
 */
@Command(
        name = "rotate-encryption-key",
        mixinStandardHelpOptions = true,
        description =
                "Re-encrypt every stored key under PROVISIONER_ENCRYPTION_KEY (old one: PROVISIONER_ENCRYPTION_KEY_OLD).")
final class RotateCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ProvisionerConfig config = options.load();
        KeyCipher newCipher = config.requireCipher();
        KeyCipher oldCipher = config.requireOldCipher();
        try (HikariDataSource ds = Database.open(config.requireDatabase(), "rotate", 2)) {
            JdbcKeyStore store = new JdbcKeyStore(
                    ds, config.cdc().schema(), newCipher, config.cdc().ownerTables(), Clock.systemUTC());
            RotationResult r = store.rotateEncryption(oldCipher, newCipher);
            spec.commandLine()
                    .getOut()
                    .printf(
                            "re-encrypted %d, already under the new key %d, readable by neither key %d%n",
                            r.reencrypted(), r.alreadyCurrent(), r.undecryptable());
            spec.commandLine().getOut().flush();
            return r.undecryptable() == 0 ? ProvisionerCli.OK : ProvisionerCli.FAILURE;
        }
    }
}
