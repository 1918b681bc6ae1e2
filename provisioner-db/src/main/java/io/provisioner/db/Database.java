package io.provisioner.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.DatabaseConfig;
import io.provisioner.core.config.DatabaseWaits;
import java.time.Duration;

/** Opens connection pools. The password goes to the driver only; it is never logged. */
public final class Database {

    private Database() {}

    /**
     * A started pool without bounds on lock, statement or socket waits, for commands an operator runs and
     * watches (a migration may wait for its locks); the caller closes it.
     *
     * @param poolName shown in logs and thread names, e.g. {@code provisioner-store}
     * @param maxPoolSize most connections held
     */
    public static HikariDataSource open(DatabaseConfig cfg, String poolName, int maxPoolSize) {
        HikariConfig hc = config(cfg, poolName, maxPoolSize);
        hc.setConnectionTimeout(10_000);
        return new HikariDataSource(hc);
    }

    /**
     * A started pool whose every connection bounds its waits by {@code waits}: the settings are made on
     * each new connection ({@code connectionInitSql}), so that options in the user's URL are kept; the
     * caller closes it.
     */
    public static HikariDataSource open(DatabaseConfig cfg, String poolName, int maxPoolSize, DatabaseWaits waits) {
        HikariConfig hc = config(cfg, poolName, maxPoolSize);
        hc.setConnectionTimeout(waits.connectionTimeout().toMillis());
        hc.addDataSourceProperty(
                "socketTimeout", Long.toString(waits.socketTimeout().toSeconds()));
        // the operating system's keepalive ends a dead connection that sits idle in the pool
        hc.addDataSourceProperty("tcpKeepAlive", "true");
        hc.setConnectionInitSql(sessionSettings(waits));
        return new HikariDataSource(hc);
    }

    /** One statement that sets the session's server-side bounds (milliseconds, the settings' unit). */
    static String sessionSettings(DatabaseWaits waits) {
        return "select set_config('lock_timeout', '" + millis(waits.lockTimeout()) + "', false),"
                + " set_config('statement_timeout', '" + millis(waits.statementTimeout()) + "', false),"
                + " set_config('idle_in_transaction_session_timeout', '" + millis(waits.idleInTransactionTimeout())
                + "', false)";
    }

    private static String millis(Duration d) {
        return d.toMillis() + "ms";
    }

    private static HikariConfig config(DatabaseConfig cfg, String poolName, int maxPoolSize) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(cfg.jdbcUrl());
        cfg.user().ifPresent(hc::setUsername);
        cfg.password().ifPresent(p -> hc.setPassword(p.reveal()));
        hc.setPoolName(poolName);
        hc.setMaximumPoolSize(maxPoolSize);
        hc.setMinimumIdle(Math.min(1, maxPoolSize));
        // the server's "Detail" lines echo row values; keep them out of exception messages
        hc.addDataSourceProperty("logServerErrorDetail", "false");
        hc.addDataSourceProperty("ApplicationName", poolName);
        return hc;
    }
}
