import type { Hono } from 'hono';
import { readJson, readParam } from '../../runtime/http.ts';
import { DeviceRegistration, Identifier } from '../../schemas/index.ts';
import type { DeviceService } from '../devices/index.ts';
import type { SlimEnv } from './env.ts';

/** `/external/devices`: the IoT device registry (the gateway checked the role; the service checks ownership). */
export function deviceRoutes(app: Hono<SlimEnv>, devices: DeviceService): void {
  app.post('/api/v11/external/devices', async (c) => {
    const registration = await readJson(c, DeviceRegistration);
    return c.json(await devices.register(c.get('principal'), registration), 201);
  });

  app.get('/api/v11/external/devices', async (c) => c.json({ devices: await devices.list(c.get('principal')) }));

  app.get('/api/v11/external/devices/:id', async (c) => {
    const id = readParam(c, 'id', Identifier);
    return c.json(await devices.get(c.get('principal'), id));
  });

  app.delete('/api/v11/external/devices/:id', async (c) => {
    const id = readParam(c, 'id', Identifier);
    return c.json(await devices.revoke(c.get('principal'), id));
  });
}
