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
export { SOURCE_BODY_BYTES_MAX, getJson, getJsonResponse, type GetJsonOptions, type JsonResponse } from './http.ts';
export { checkedObservation, receivedAtOf, type AdapterFeed, type FetchOptions } from './observation.ts';
export {
  ALPACA_BAR_MS,
  AlpacaLatestBarResponse,
  AlpacaLatestQuoteResponse,
  AlpacaLatestTradeResponse,
  alpacaHeaders,
  alpacaUrls,
  attestsBar,
  barToMarketObservation,
  fetchAlpacaStock,
  rfc3339ToIso,
  spreadOverMid,
  toMarketObservation,
  type AlpacaCredentials,
  type AlpacaStockParams,
  type FetchAlpacaOptions,
} from './alpaca.ts';
export {
  RentCastAvmValueResponse,
  fetchRentCastAvm,
  rangeOverPrice,
  rentCastHeaders,
  rentCastObservedAt,
  rentCastUrl,
  toRealEstateObservation,
  type FetchRentCastOptions,
  type RentCastAvmParams,
  type RentCastCredentials,
} from './rentcast.ts';
export {
  CARBON_INTENSITY_WINDOW_MS,
  CarbonIntensityResponse,
  carbonIntensityTimeToIso,
  carbonIntensityUrl,
  fetchCarbonIntensity,
  toCarbonIntensityObservation,
  type CarbonIntensityParams,
} from './carbon-intensity.ts';
export {
  COINGECKO_TIMESTAMP_PRECISION_MS,
  coinGeckoSimplePriceResponse,
  coinGeckoUrl,
  fetchCoinGeckoCarbon,
  toCarbonCreditObservation,
  type CoinGeckoCarbonParams,
  type CoinGeckoPrice,
} from './coingecko-carbon.ts';
