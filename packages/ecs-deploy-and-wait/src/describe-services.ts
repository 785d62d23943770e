import { DescribeServicesCommand, type ECSClient, type Failure, type Service } from '@aws-sdk/client-ecs';
import { serviceName } from './inputs.js';

/** DescribeServices accepts at most 10 services per call. */
export const DESCRIBE_BATCH = 10;

export function batches<T>(items: T[], size = DESCRIBE_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface DescribedServices {
  /** Keyed by short service name. */
  services: Map<string, Service>;
  /** Keyed by short service name: why ECS could not describe it (MISSING, ...). */
  failures: Map<string, Failure>;
}

/** One DescribeServices call per 10 services of the cluster. Errors propagate unchanged. */
export async function describeServices(ecs: ECSClient, cluster: string, names: string[], signal?: AbortSignal): Promise<DescribedServices> {
  const result: DescribedServices = { services: new Map(), failures: new Map() };
  for (const batch of batches(names)) {
    const response = await ecs.send(new DescribeServicesCommand({ cluster, services: batch }), { abortSignal: signal });
    for (const service of response.services ?? []) {
      if (service.serviceName) result.services.set(service.serviceName, service);
    }
    for (const failure of response.failures ?? []) {
      if (failure.arn) result.failures.set(serviceName(failure.arn), failure);
    }
  }
  return result;
}
