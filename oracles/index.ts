/** Source adapters: one module per external source, each mapping its real API to a normalized observation. */
export {
  OPEN_METEO_CURRENT_INTERVAL_MS,
  OpenMeteoCurrentResponse,
  fetchOpenMeteo,
  openMeteoTimeToUtc,
  openMeteoUrl,
  toWeatherObservation,
  type FetchOpenMeteoOptions,
  type OpenMeteoParams,
} from './open-meteo.ts';
export { SOURCE_BODY_BYTES_MAX, getJson, type GetJsonOptions } from './http.ts';
