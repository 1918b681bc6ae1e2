package io.provisioner.core.ports;

import io.provisioner.core.secret.Secret;

/** The answer to a create: the key's data and the secret, which OpenRouter shows only this once. */
public record CreatedKey(ApiKey data, Secret key) {}
