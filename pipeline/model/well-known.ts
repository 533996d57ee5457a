/** Labels and names other systems define, read by several stages. */

/** OpenShift's ClusterResourceOverride acts only in namespaces carrying this label set to "true". */
export const CRO_LABEL = 'clusterresourceoverrides.admission.autoscaling.openshift.io/enabled';
