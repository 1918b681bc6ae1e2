package io.provisioner.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.DatabaseConfig;

/** Opens connection pools. The password goes to the driver only; it is never logged. */
public final class Database {

    private Database() {}

    /**
     * A started pool; the caller closes it.
     *
     * @param poolName shown in logs and thread names, e.g. {@code provisioner-store}
     * @param maxPoolSize most connections held
     */
    public static HikariDataSource open(DatabaseConfig cfg, String poolName, int maxPoolSize) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(cfg.jdbcUrl());
        cfg.user().ifPresent(hc::setUsername);
        cfg.password().ifPresent(p -> hc.setPassword(p.reveal()));
        hc.setPoolName(poolName);
        hc.setMaximumPoolSize(maxPoolSize);
        hc.setMinimumIdle(Math.min(1, maxPoolSize));
        hc.setConnectionTimeout(10_000);
        // the server's "Detail" lines echo row values; keep them out of exception messages
        hc.addDataSourceProperty("logServerErrorDetail", "false");
        hc.addDataSourceProperty("ApplicationName", poolName);
        return new HikariDataSource(hc);
    }
}
