// nestml_nest.cpp: the model-independent part of nestml's NEST nodes and connection models.
//
// Part of nestml (GPL-2.0-or-later).

#include "nestml_nest.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <cmath>
#include <variant>

#include "exceptions.h"
#include "kernel_manager.h"
#include "nest_names.h"
#include "nest_time.h"
#include "node_collection.h"
#include "universal_data_logger_impl.h"

namespace nestml_nest
{

std::string
str( nestml_str s )
{
  return std::string( s.ptr, s.len );
}

void
fail( nestml_status status )
{
  const std::string msg = str( nestml_last_error() );
  if ( status == NESTML_BAD_PROPERTY or status == NESTML_UNKNOWN )
  {
    throw nest::BadProperty( msg );
  }
  throw nest::KernelException( msg );
}

double
number( const Dictionary& d, const std::string& key )
{
  const any_type& v = d.at( key );
  d.mark_as_accessed( key );
  if ( const double* x = std::get_if< double >( &v ) )
  {
    return *x;
  }
  if ( const long* x = std::get_if< long >( &v ) )
  {
    return static_cast< double >( *x );
  }
  if ( const bool* x = std::get_if< bool >( &v ) )
  {
    return *x ? 1.0 : 0.0;
  }
  throw nest::BadProperty( key + ": expected a number" );
}

namespace
{
std::atomic< uint64_t > seed_ { 0 };

// Reads the kernel's `rng_seed` (set by `nest.rng_seed = …` before the network is built).
void
refresh_kernel_seed()
{
  Dictionary d;
  nest::kernel().random_manager.get_status( d );
  if ( d.known( nest::names::rng_seed ) )
  {
    seed_ = static_cast< uint64_t >( d.get< long >( nest::names::rng_seed ) );
  }
}

any_type
dict_value( const nestml_var_info& v, double x )
{
  if ( v.ty == 1 )
  {
    return static_cast< long >( x );
  }
  if ( v.ty == 2 )
  {
    return x != 0.0;
  }
  return x;
}

// Writes variable `i` (all elements of a vector) of a model to `d`.
template < typename Get >
void
put( Dictionary& d, const nestml_var_info& v, size_t len, Get get )
{
  if ( v.vector )
  {
    std::vector< double > xs( len );
    for ( size_t k = 0; k < len; ++k )
    {
      get( k, &xs[ k ] );
    }
    d[ str( v.name ) ] = xs;
    return;
  }
  double x = 0.0;
  if ( get( 0, &x ) == NESTML_OK )
  {
    d[ str( v.name ) ] = dict_value( v, x );
  }
}
}  // namespace

uint64_t
kernel_seed()
{
  return seed_.load( std::memory_order_relaxed );
}

// ---------------------------------------------------------------------------------------------
// Neuron

Neuron::Neuron( const nestml_neuron_vtable* vt )
  : ArchivingNode()
  , vt_( vt )
  , model_( vt->create() )
  , logged_( false )
  , logger_( *this )
{
}

Neuron::Neuron( const Neuron& n )
  : ArchivingNode( n )
  , vt_( n.vt_ )
  , model_( n.vt_->clone( n.model_ ) )
  , logged_( false )
  , logger_( *this )
{
}

Neuron::~Neuron()
{
  vt_->destroy( model_ );
}

const nest::DynamicRecordablesMap< Neuron >&
Neuron::recordables_map_() const
{
  if ( recorded_.empty() )
  {
    Neuron& self = const_cast< Neuron& >( *this );  // the functors read this node
    for ( size_t i = 0; i < vt_->n_variables; ++i )
    {
      const nestml_var_info v = vt_->variable( i );
      if ( ( v.kind == 1 or v.kind == 3 ) and not v.vector )
      {
        recordables_.insert( str( v.name ), nest::DataAccessFunctor< Neuron >( self, recorded_.size() ) );
        recorded_.emplace_back( i, 0 );
      }
    }
  }
  return recordables_;
}

double
Neuron::get_state_element( size_t elem ) const
{
  double x = 0.0;
  vt_->get( model_, recorded_[ elem ].first, recorded_[ elem ].second, &x );
  return x;
}

bool
Neuron::split_( size_t receptor ) const
{
  return vt_->receptor( receptor ).inhibitory.len > 0;
}

double*
Neuron::slot_( long lag )
{
  return ring_.data() + nest::kernel().event_delivery_manager.get_modulo( lag ) * vt_->input_width;
}

size_t
Neuron::send_test_event( nest::Node& target, size_t receptor_type, nest::synindex, bool )
{
  nest::SpikeEvent e;
  e.set_sender( *this );
  return target.handles_test_event( e, receptor_type );
}

size_t
Neuron::handles_test_event( nest::SpikeEvent&, size_t receptor_type )
{
  if ( receptor_type >= vt_->n_receptors )
  {
    throw nest::UnknownReceptorType( receptor_type, get_name() );
  }
  return receptor_type;
}

size_t
Neuron::handles_test_event( nest::CurrentEvent&, size_t receptor_type )
{
  if ( receptor_type >= vt_->n_continuous )
  {
    throw nest::UnknownReceptorType( receptor_type, get_name() );
  }
  return receptor_type;
}

size_t
Neuron::handles_test_event( nest::DataLoggingRequest& dlr, size_t receptor_type )
{
  if ( receptor_type != 0 )
  {
    throw nest::UnknownReceptorType( receptor_type, get_name() );
  }
  logged_ = true;
  return logger_.connect_logging_device( dlr, recordables_map_() );
}

void
Neuron::handle( nest::SpikeEvent& e )
{
  const size_t r = e.get_rport();
  const bool negative = split_( r ) and ( e.get_weight() < 0 or std::isnan( e.get_weight() ) );
  double* in = slot_( e.get_rel_delivery_steps( nest::kernel().simulation_manager.get_slice_origin() ) )
    + 4 * r + ( negative ? 2 : 0 );
  in[ 0 ] += e.get_weight() * e.get_multiplicity();
  in[ 1 ] += 1.0;
}

void
Neuron::handle( nest::CurrentEvent& e )
{
  double* in = slot_( e.get_rel_delivery_steps( nest::kernel().simulation_manager.get_slice_origin() ) );
  in[ 4 * vt_->n_receptors + e.get_rport() ] += e.get_weight() * e.get_current();
}

void
Neuron::handle( nest::DataLoggingRequest& e )
{
  logger_.handle( e );
}

void
Neuron::get_status( Dictionary& d ) const
{
  ArchivingNode::get_status( d );
  for ( size_t i = 0; i < vt_->n_variables; ++i )
  {
    const nestml_var_info v = vt_->variable( i );
    if ( v.kind == 2 )
    {
      continue;  // internals are derived, not part of the status
    }
    put( d,
      v,
      vt_->vector_len( model_, i ),
      [ & ]( size_t k, double* out ) { return vt_->get( model_, i, k, out ); } );
  }
  std::vector< std::string > names;
  for ( const auto& r : recordables_map_() )
  {
    names.push_back( r.first );
  }
  d[ nest::names::recordables ] = names;
  Dictionary receptors;
  for ( size_t r = 0; r < vt_->n_receptors; ++r )
  {
    const nestml_receptor_info info = vt_->receptor( r );
    receptors[ str( info.excitatory ) ] = static_cast< long >( r );
    if ( info.inhibitory.len > 0 )
    {
      receptors[ str( info.inhibitory ) ] = static_cast< long >( r );
    }
  }
  d[ nest::names::receptor_types ] = receptors;
}

void
Neuron::set_status( const Dictionary& d )
{
  // All or nothing, as NEST's models: the values go to a copy, which replaces the model only
  // if every value was accepted.
  void* copy = vt_->clone( model_ );
  try
  {
    for ( size_t i = 0; i < vt_->n_variables; ++i )
    {
      const nestml_var_info v = vt_->variable( i );
      const std::string name = str( v.name );
      if ( not d.known( name ) )
      {
        continue;
      }
      if ( v.kind == 2 or v.kind == 3 )
      {
        d.mark_as_accessed( name );
        throw nest::BadProperty( str( vt_->name ) + ": " + name + " is read-only" );
      }
      nestml_status s = NESTML_OK;
      if ( v.vector )
      {
        const std::vector< double > xs = d.get< std::vector< double > >( name );
        d.mark_as_accessed( name );
        if ( xs.size() != vt_->vector_len( copy, i ) )
        {
          throw nest::BadProperty( str( vt_->name ) + ": " + name + " has " + std::to_string( vt_->vector_len( copy, i ) )
            + " elements, not " + std::to_string( xs.size() ) );
        }
        for ( size_t k = 0; k < xs.size() and s == NESTML_OK; ++k )
        {
          s = vt_->set( copy, i, k, xs[ k ] );
        }
      }
      else
      {
        s = vt_->set( copy, i, 0, number( d, name ) );
      }
      if ( s != NESTML_OK )
      {
        fail( s );
      }
    }
    ArchivingNode::set_status( d );
  }
  catch ( ... )
  {
    vt_->destroy( copy );
    throw;
  }
  vt_->destroy( model_ );
  model_ = copy;
}

namespace
{
// NEST's ring buffer length: min_delay + max_delay steps.
size_t
ring_slots()
{
  return static_cast< size_t >(
    nest::kernel().connection_manager.get_min_delay() + nest::kernel().connection_manager.get_max_delay() );
}
}  // namespace

void
Neuron::init_buffers_()
{
  ring_.assign( ring_slots() * vt_->input_width, 0.0 );
  logger_.reset();
  ArchivingNode::clear_history();
  refresh_kernel_seed();
  const nestml_status s = vt_->init_buffers(
    model_, nest::Time::get_resolution().get_ms(), nest::Time::get_tics_per_ms(), kernel_seed(), get_node_id() );
  if ( s != NESTML_OK )
  {
    fail( s );
  }
}

void
Neuron::pre_run_hook()
{
  logger_.init();
  if ( ring_.size() != ring_slots() * vt_->input_width )
  {
    ring_.assign( ring_slots() * vt_->input_width, 0.0 );
  }
  const nestml_status s =
    vt_->calibrate( model_, nest::Time::get_resolution().get_ms(), nest::Time::get_tics_per_ms() );
  if ( s != NESTML_OK )
  {
    fail( s );
  }
}

void
Neuron::update( nest::Time const& origin, const long from, const long to )
{
  const size_t width = vt_->input_width;
  // a model without inputs has an empty ring: its steps run in one call per slice
  const size_t slots = width > 0 ? ring_.size() / width : static_cast< size_t >( to - from );
  uint32_t spikes[ 64 ];
  long lag = from;
  while ( lag < to )
  {
    // rows of consecutive steps are consecutive in the ring up to its end; one call runs as
    // many as fit (one step if a multimeter samples every step)
    const size_t first = width > 0 ? static_cast< size_t >( nest::kernel().event_delivery_manager.get_modulo( lag ) ) : 0;
    const size_t fits = std::min< size_t >( { static_cast< size_t >( to - lag ), slots - first, 64 } );
    const size_t n = logged_ ? 1 : fits;
    double* rows = ring_.data() + first * width;
    const nestml_status s = vt_->run( model_, origin.get_steps() + lag, n, rows, spikes );
    std::fill( rows, rows + n * width, 0.0 );
    if ( s != NESTML_OK )
    {
      fail( s );
    }
    for ( size_t j = 0; j < n; ++j, ++lag )
    {
      if ( spike_event_is_due( spikes[ j ] > 0 ) )
      {
        set_spiketime( nest::Time::step( origin.get_steps() + lag + 1 ) );
        nest::SpikeEvent se;
        se.set_multiplicity( spikes[ j ] > 0 ? spikes[ j ] : 1 );
        nest::kernel().event_delivery_manager.send( *this, se, lag );
      }
      if ( logged_ )
      {
        logger_.record_data( origin.get_steps() + lag );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Synapses

SynapseParams::SynapseParams( const nestml_synapse_vtable* vt )
  : vt_( vt )
  , volume_transmitter_( nullptr )
  , mods_until_( -std::numeric_limits< double >::infinity() )
{
}

SynapseParams::SynapseParams( const SynapseParams& p )
  : nest::CommonSynapseProperties( p )
  , vt_( p.vt_ )
  , volume_transmitter_( p.volume_transmitter_ )
  , mods_until_( -std::numeric_limits< double >::infinity() )
{
}

namespace
{
// Appends the spikes after `after` (a volume transmitter starts every interval with the last
// spike of the previous one), each as often as its multiplicity.
void
append_spikes( const std::vector< nest::spikecounter >& dopa, double after, std::vector< double >& out )
{
  for ( const nest::spikecounter& s : dopa )
  {
    if ( s.spike_time_ > after )
    {
      out.insert( out.end(), std::lround( s.multiplicity_ ), s.spike_time_ );
    }
  }
}
}  // namespace

void
SynapseParams::take_spikes( const std::vector< nest::spikecounter >& dopa, double t_trig, double min_delay ) const
{
  if ( t_trig <= mods_until_ )
  {
    return;  // taken by an earlier connection of this trigger
  }
  // every connection was brought to the previous trigger's time minus min_delay
  const double done = mods_until_ - min_delay;
  mods_.erase( mods_.begin(), std::upper_bound( mods_.begin(), mods_.end(), done ) );
  append_spikes( dopa, mods_until_, mods_ );
  mods_until_ = t_trig;
}

long
SynapseParams::get_vt_node_id() const
{
  return volume_transmitter_ ? static_cast< long >( volume_transmitter_->get_node_id() ) : -1;
}

void
SynapseParams::get_status( Dictionary& d ) const
{
  nest::CommonSynapseProperties::get_status( d );
  if ( vt_->reads_mod )
  {
    d[ nest::names::volume_transmitter ] = volume_transmitter_
      ? nest::NodeCollection::create( static_cast< size_t >( volume_transmitter_->get_node_id() ) )
      : nest::NodeCollection::create( std::vector< size_t >() );
  }
}

void
SynapseParams::set_status( const Dictionary& d, nest::ConnectorModel& cm )
{
  nest::CommonSynapseProperties::set_status( d, cm );
  nest::volume_transmitter* transmitter = volume_transmitter_;
  if ( vt_->reads_mod and d.known( nest::names::volume_transmitter ) )
  {
    const auto nodes = d.get< nest::NodeCollectionPTR >( nest::names::volume_transmitter );
    if ( nodes->size() != 1 )
    {
      throw nest::BadProperty( str( vt_->name ) + ": volume_transmitter must be one node" );
    }
    transmitter = dynamic_cast< nest::volume_transmitter* >(
      nest::kernel().node_manager.get_node_or_proxy( ( *nodes )[ 0 ] ) );
    if ( not transmitter )
    {
      throw nest::BadProperty( str( vt_->name ) + ": volume_transmitter must be a volume_transmitter node" );
    }
  }
  volume_transmitter_ = transmitter;
}

void
connection_get_status( const nestml_synapse_vtable* vt, const void* c, Dictionary& d )
{
  d[ nest::names::weight ] = vt->weight( c );
  for ( size_t i = 0; i < vt->n_variables; ++i )
  {
    const nestml_var_info v = vt->variable( i );
    put( d, v, 1, [ & ]( size_t, double* out ) { return vt->connection_get( c, i, out ); } );
  }
}

void
connection_set_status( const nestml_synapse_vtable* vt, void* c, const Dictionary& d )
{
  if ( d.known( nest::names::weight ) )
  {
    vt->set_weight( c, number( d, nest::names::weight ) );
  }
  for ( size_t i = 0; i < vt->n_variables; ++i )
  {
    const std::string name = str( vt->variable( i ).name );
    if ( d.known( name ) )
    {
      const nestml_status s = vt->connection_set( c, i, number( d, name ) );
      if ( s != NESTML_OK )
      {
        fail( s );
      }
    }
  }
}

namespace
{
// A connection's event at `t`: the target's spike history for (t_last - delay, t - delay] and
// the neuromodulatory spikes (those kept for the thread, then `dopa`, the volume
// transmitter's current ones), in buffers of the calling thread, handed to the model's `send`
// (with `weight`) or `update_to`.
nestml_status
event( const nestml_synapse_vtable* vt,
  void* c,
  const SynapseParams& cp,
  nest::Node* target,
  double t,
  double delay,
  size_t tid,
  const std::vector< nest::spikecounter >* dopa,
  double* weight )
{
  static thread_local std::vector< double > post, mods;
  post.clear();
  mods.clear();
  if ( vt->reads_post )
  {
    std::deque< nest::histentry >::iterator start, finish;
    target->get_history( vt->t_last( c ) - delay, t - delay, &start, &finish );
    for ( ; start != finish; ++start )
    {
      post.push_back( start->t_ );
    }
  }
  if ( vt->reads_mod )
  {
    mods = cp.mods_;
    if ( dopa )
    {
      append_spikes( *dopa, cp.mods_until_, mods );
    }
  }
  return weight
    ? vt->send( c, t, delay, post.data(), post.size(), mods.data(), mods.size(), kernel_seed(), tid, weight )
    : vt->update_to( c, t, delay, post.data(), post.size(), mods.data(), mods.size(), kernel_seed(), tid );
}
}  // namespace

nestml_status
send_spike( const nestml_synapse_vtable* vt,
  void* c,
  const SynapseParams& cp,
  nest::Node* target,
  double t_spike,
  double delay,
  size_t tid,
  double* weight )
{
  const auto* dopa = cp.volume_transmitter_ ? &cp.volume_transmitter_->deliver_spikes() : nullptr;
  return event( vt, c, cp, target, t_spike, delay, tid, dopa, weight );
}

void
update_to( const nestml_synapse_vtable* vt,
  void* c,
  const SynapseParams& cp,
  nest::Node* target,
  double delay,
  const std::vector< nest::spikecounter >& dopa,
  double t_trig,
  size_t tid )
{
  const double min_delay = nest::Time::delay_steps_to_ms( nest::kernel().connection_manager.get_min_delay() );
  cp.take_spikes( dopa, t_trig, min_delay );
  const nestml_status s = event( vt, c, cp, target, t_trig - min_delay, delay, tid, nullptr, nullptr );
  if ( s != NESTML_OK )
  {
    fail( s );
  }
}

void
check_layout( const nestml_synapse_vtable* vt, size_t words )
{
  if ( vt->connection_bytes > 8 * words or vt->connection_align > 8 )
  {
    throw nest::KernelException( str( vt->name ) + ": connection state of " + std::to_string( vt->connection_bytes )
      + " bytes does not fit the module's " + std::to_string( words )
      + " words (a bug in nestml, please report it)" );
  }
  if ( vt->continuous > 0 )
  {
    throw nest::KernelException( str( vt->name )
      + ": synapses with continuous input ports are not supported in NEST modules yet" );
  }
}

}  // namespace nestml_nest
