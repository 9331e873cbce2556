export type TacticsVariant = 'tactics' | 'tactics-cache' | 'tactics-compress';
export function tacticsConfig(variant?: TacticsVariant): {
  features: { default: { cache?: { enabled: boolean; allowSampling: boolean }; compress?: Record<string, never> } };
  cache: { prompt: { enabled: boolean } };
};
