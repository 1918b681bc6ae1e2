package io.provisioner.core.ports;

import java.math.BigDecimal;

/**
 * A key's spend as {@code GET /keys} reports it, in US dollars: {@code usage} (since the key was created),
 * {@code usage_daily}, {@code usage_weekly} and {@code usage_monthly} (the current UTC day, week and
 * month). A figure the answer lacks is null. {@code limits} are the limit and reset the key holds
 * ({@link ApiKey#limits()}).
 */
public record KeyUsage(
        String hash, BigDecimal total, BigDecimal daily, BigDecimal weekly, BigDecimal monthly, KeyLimits limits) {}
