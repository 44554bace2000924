import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadBridgeConfig } from '../../cdc/bridge/config.ts';
import { loadGatewayConfig } from '../../gateway/src/config.ts';
import { ConfigError } from '../config.ts';
import { listen } from '../http.ts';

describe('the address services bind (HOST)', () => {
  test('without HOST a service binds loopback only, so a development machine exposes nothing', () => {
    expect(loadGatewayConfig({}, []).HOST).toBe('127.0.0.1');
    expect(loadBridgeConfig({}).HOST).toBe('127.0.0.1');
  });

  test('HOST=0.0.0.0, as compose and k8s set it, is taken as given', () => {
    expect(loadGatewayConfig({ HOST: '0.0.0.0' }, []).HOST).toBe('0.0.0.0');
  });

  test('a HOST that is no address or host name stops start-up naming HOST', () => {
    expect(() => loadGatewayConfig({ HOST: 'http://0.0.0.0' }, [])).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ HOST: 'http://0.0.0.0' }, [])).toThrow(/HOST:/);
  });

  test('listen binds the given host and reports a URL a local client can reach', async () => {
    const loopback = await listen(express(), 0, '127.0.0.1');
    const everywhere = await listen(express(), 0, '0.0.0.0');
    try {
      expect((loopback.server.address() as AddressInfo).address).toBe('127.0.0.1');
      expect((everywhere.server.address() as AddressInfo).address).toBe('0.0.0.0');
      expect(loopback.url).toBe(`http://localhost:${loopback.port}`);
      expect((await fetch(`${everywhere.url}/`)).status).toBe(404);
    } finally {
      await loopback.stop();
      await everywhere.stop();
    }
  });
});
