package io.provisioner.db.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLTransientException;
import org.junit.jupiter.api.Test;

class TxTest {

    @Test
    void sanitizedKeepsOnlyTheFirstLineAndTheState() {
        SQLException e = new SQLException(
                "ERROR: null value in column \"key_hash\"\n  Detail: Failing row contains (v1:abc...)", "23502");

        SQLException clean = Tx.sanitized(e);

        assertThat(clean.getMessage()).isEqualTo("ERROR: null value in column \"key_hash\"");
        assertThat(clean.getSQLState()).isEqualTo("23502");
    }

    @Test
    void sanitizedStaysTransientSoThatPoolTimeoutsAreRetried() {
        SQLException e = new SQLTransientConnectionException("pool - Connection is not available");

        assertThat((Throwable) Tx.sanitized(e)).isInstanceOf(SQLTransientException.class);
    }
}
